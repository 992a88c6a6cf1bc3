"""`python -m storage ...`: the schema commands of `storage.schema`."""

from storage.schema import main

raise SystemExit(main())
