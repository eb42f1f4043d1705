"""Use cases, one package per capability. A use case takes a UnitOfWork and commits once;
a helper takes the caller's Session and only flushes, so its writes commit (or roll back)
with the use case that called it. Nothing above this layer commits."""
