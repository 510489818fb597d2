"""The one rule language: conditions over a person's facts, read from data, never executed.

    loader.py       YAML / JSON text -> (document, {JSON Pointer: line})
    compiler.py     conditions -> nodes, every problem with its JSON Pointer path and line
    conditions.py   the nodes: three-valued evaluation (True / False / None) with reasons
    consistency.py  conditions that can never be true
    vocabulary.py   the facts a rule may name, operators, measures
    dates.py        ISO dates and months in documents (month arithmetic: app.core.months)

Pure: no Flask, no database. Read by the certification categories (app/certification/rules.py)
and the policy catalog (app/policies/catalog.py); sits below both (tests/test_architecture.py).
"""
