"""Use cases. Each public function owns exactly one transaction through a UnitOfWork."""
