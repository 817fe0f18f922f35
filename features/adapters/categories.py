"""A deterministic product category from a free-text name (UCI Online Retail has none).

The first rule (in this order) with a keyword among the name's words wins;
otherwise "other". Seasonal ranges come first because "CHRISTMAS TREE T-LIGHT
HOLDER" is bought for Christmas, not as lighting. The keywords were chosen from
the most frequent description words of the UCI sample.
"""

from __future__ import annotations

import re

import pandas as pd

CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("christmas", ("CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE", "NATIVITY")),
    ("easter", ("EASTER", "EGG", "EGGS", "CHICK")),
    ("lighting", ("CANDLE", "CANDLES", "T-LIGHT", "T-LIGHTS", "LIGHT", "LIGHTS", "LANTERN", "LAMP", "NIGHTLIGHT", "LAMPSHADE", "INCENSE")),
    ("jewellery", ("EARRINGS", "NECKLACE", "NECKLACE+BRACELET", "BRACELET", "RING", "CHARM", "BEAD", "DIAMANTE", "BROOCH", "HAIRCLIP", "HAIR", "HAIRBAND", "BADGES", "JEWELLERY")),
    ("party", ("PARTY", "BIRTHDAY", "BUNTING", "BALLOON", "BALLOONS", "CONFETTI", "CRACKERS")),
    ("toys_kids", ("TOY", "TOYS", "CHILDRENS", "CHILDS", "CHILD", "DOLL", "DOLLY", "GAME", "JIGSAW", "SPACEBOY", "PLAYHOUSE", "SKIPPING", "PUPPET", "TEDDY", "KIDS", "BABY", "DOMINOES", "CRAYONS")),
    ("kitchen_dining", ("MUG", "MUGS", "CUP", "CUPS", "BOWL", "BOWLS", "PLATE", "PLATES", "TEA", "TEACUP", "TEAPOT", "CAKE", "CAKESTAND", "CASES", "CUTLERY", "JAR", "JARS", "KITCHEN", "LUNCH", "BOTTLE", "TRAY", "SPOON", "SPOONS", "NAPKINS", "COASTER", "COASTERS", "BAKING", "APRON", "OVEN", "JUG", "PANTRY", "RECIPE", "COOKIE", "SAUCER", "BEAKER", "BEAKERS", "STRAWS", "CHOPSTICKS", "GLASSES", "TUMBLER", "SUGAR", "JAM", "SCALES", "BREAD", "TOAST", "COFFEE", "COLANDER", "PAN", "CONTAINER")),
    ("stationery", ("CARD", "CARDS", "PAPER", "WRAP", "NOTEBOOK", "PEN", "PENS", "PENCIL", "PENCILS", "STICKER", "STICKERS", "TAPE", "ENVELOPE", "ENVELOPES", "CALENDAR", "DIARY", "BOOK", "NOTEPAD", "ERASER", "RIBBON", "RIBBONS", "TAG", "TAGS", "STAMP", "STAMPS", "CHALKBOARD", "JOURNAL", "TISSUES")),
    ("bags", ("BAG", "BAGS", "PURSE", "SHOPPER", "TOTE", "HANDBAG", "RUCKSACK", "CHARLOTTE", "BACKPACK", "WASHBAG")),
    ("garden", ("GARDEN", "PLANT", "PLANTER", "WATERING", "BIRD", "FEEDER", "POT", "POTS", "SEED", "TRUG", "GNOME", "PARASOL", "HERB", "HERBS", "WINDMILL")),
    ("storage", ("BOX", "BOXES", "TIN", "TINS", "BASKET", "BASKETS", "DRAWER", "DRAWERS", "STORAGE", "CHEST", "CABINET", "TRINKET", "CRATE", "HAMPER")),
    ("home_decor", ("SIGN", "FRAME", "MIRROR", "CLOCK", "CUSHION", "DOORMAT", "WALL", "DECORATION", "HANGING", "HOOK", "HOOKS", "HEART", "ORNAMENT", "VASE", "TILE", "ART", "PHOTO", "DOORSTOP", "KEY", "THROW", "BLANKET", "QUILT", "GARLAND", "WREATH", "HOLDER", "DOOR", "PLAQUE", "MAGNET", "MAGNETS", "BUNNY", "HEARTS", "LETTERS", "RACK", "CURTAIN", "PENNANT")),
)
OTHER = "other"


def categorize(names: pd.Series) -> pd.Series:
    """Category per name (upper-cased words), vectorized over the rules."""
    words = names.fillna("").str.upper()
    category = pd.Series(OTHER, index=names.index, dtype=object)
    assigned = pd.Series(False, index=names.index)
    for name, keywords in CATEGORY_RULES:
        pattern = r"(?:^|[\s,./()])(?:" + "|".join(re.escape(k) for k in keywords) + r")(?=$|[\s,./()])"
        hit = words.str.contains(pattern, regex=True) & ~assigned
        category[hit] = name
        assigned |= hit
    return category
