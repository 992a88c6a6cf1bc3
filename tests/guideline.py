"""What the tests take from the guideline itself rather than from the code under test."""

#: Every clause of the guideline (sintered wall materials, 2020), in its order.
CLAUSES = [
    "4.1a",
    "4.1b",
    "4.2.1",
    "4.2.2",
    "4.3",
    "4.4",
    "5.1a",
    "5.1b",
    "5.2a",
    "5.2b",
    "5.3",
    "5.4",
]
