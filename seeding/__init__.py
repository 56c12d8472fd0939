"""Generated datasets for benchmarks and first runs (`python -m api seed`).

`seeding.dataset` builds the benchmark's team dataset and `seeding.demo` the small demo team;
both insert in bulk through `dao.base.Dao` and the models. They sit above `dao/` (which holds
only data access) and below `api/`, whose `api.seeding` is the command-line front end.
"""
