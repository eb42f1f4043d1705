"""Pure domain core: values and functions. Imports nothing from flask, sqlalchemy or openpyxl."""
