"""Privacy: export everything held on a person, erase them everywhere, keep an audit.

`ledger` keeps erased refs (hashed) so that no rebuild brings a person back;
`export.export_customer` and `erase.erase_customer` are the two operations.
"""
