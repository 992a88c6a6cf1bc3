"""The chat's whole catalogue: the interview's texts plus the bot's own screens.

The assessor desk and the admin screens keep their texts beside the bot, one YAML file per
screen group and language (`bot/data/<group>.<lang>.yaml`), merged onto the interview's
catalogue so every handler looks texts up in one place.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from conversations import LANGUAGES, Catalogue


@cache
def load_catalogue() -> Catalogue:
    catalogue = Catalogue.load()
    data = resources.files("bot").joinpath("data")
    groups = sorted(
        entry.name.removesuffix(f".{LANGUAGES[0]}.yaml")
        for entry in data.iterdir()
        if entry.name.endswith(f".{LANGUAGES[0]}.yaml")
    )
    for group in groups:
        sources = {
            lang: data.joinpath(f"{group}.{lang}.yaml").read_text("utf-8") for lang in LANGUAGES
        }
        catalogue = catalogue.merged(Catalogue.from_yaml(sources))
    return catalogue
