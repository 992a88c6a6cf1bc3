"""The chat's whole catalogue: the interview's texts plus the bot's own screens.

The assessor desk and the admin screens keep their texts beside the bot, one YAML file per
screen group and language (`bot/data/<group>.<lang>.yaml`), merged onto the interview's
catalogue so every handler looks texts up in one place.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from conversations import DEFAULT_LANGUAGE, Catalogue


@cache
def load_catalogue() -> Catalogue:
    catalogue = Catalogue.load()
    suffix = f".{DEFAULT_LANGUAGE}.yaml"
    groups = sorted(
        entry.name.removesuffix(suffix)
        for entry in resources.files("bot").joinpath("data").iterdir()
        if entry.name.endswith(suffix)
    )
    for group in groups:
        catalogue = catalogue.merged(Catalogue.packaged("bot", f"data/{group}"))
    return catalogue
