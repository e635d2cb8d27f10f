"""Adapters to other systems, each behind one small interface chosen in settings, each with a
sample or sandbox implementation for the demo and the tests (docs/architecture.md).

- ``population``: the national population database (Cơ sở dữ liệu quốc gia về dân cư), read by
  the desk to fill an applicant's particulars from the national ID ("công dân không viết").
"""
