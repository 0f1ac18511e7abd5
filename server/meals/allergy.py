"""Which allergen groups a dish's ingredients touch, and which enrolled children that concerns.

An ingredient carries the allergen codes the kitchen named (codes of compliance/health/allergens.yaml); the words
below add the obvious ones from its name, so "鸡蛋 25 g" warns even when nobody ticked "eggs". A word that over-warns
is safer than one that misses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from compliance.health.allergens import AllergenKind
from server.centre.models import Room
from server.database import db
from server.health.profile.operations import active_allergies
from server.people.models import Child

# Ingredient words → allergen codes (vocabulary, not a rule: no figure of any regulation lives here).
INGREDIENT_WORDS: Mapping[str, str] = {
    "蛋": "eggs",
    "花生": "peanuts",
    "牛奶": "milk", "奶粉": "milk", "酸奶": "milk", "奶酪": "milk", "黄油": "milk", "奶油": "milk", "乳": "milk",
    "面粉": "gluten_cereals", "小麦": "gluten_cereals", "面条": "gluten_cereals", "馒头": "gluten_cereals",
    "面包": "gluten_cereals", "燕麦": "gluten_cereals", "大麦": "gluten_cereals", "饺子皮": "gluten_cereals",
    "馄饨皮": "gluten_cereals", "花卷": "gluten_cereals", "包子": "gluten_cereals",
    "虾": "crustaceans", "蟹": "crustaceans",
    "鱼": "fish",
    "豆腐": "soy", "大豆": "soy", "黄豆": "soy", "豆浆": "soy", "豆干": "soy", "腐竹": "soy",
    "核桃": "tree_nuts", "腰果": "tree_nuts", "杏仁": "tree_nuts", "榛子": "tree_nuts", "开心果": "tree_nuts",
    "芝麻": "sesame", "荞麦": "buckwheat",
    "扇贝": "molluscs", "蛤": "molluscs", "鱿鱼": "molluscs", "牡蛎": "molluscs", "蛏": "molluscs",
    "芒果": "mango", "猕猴桃": "kiwi", "桃子": "peach", "黄桃": "peach", "水蜜桃": "peach",
}


def ingredient_allergens(name: str, named: Iterable[str] = ()) -> tuple[str, ...]:
    """The allergen codes of an ingredient: those named, plus those its words imply (sorted, no repeats)."""
    found = set(named)
    found.update(code for word, code in INGREDIENT_WORDS.items() if word in name)
    return tuple(sorted(found))


def dish_allergens(ingredients: Iterable[Mapping[str, object]]) -> tuple[str, ...]:
    """Every allergen code the dish's ingredients touch."""
    codes: set[str] = set()
    for item in ingredients:
        named = item.get("allergens") or ()
        codes.update(ingredient_allergens(str(item.get("name") or ""), named if isinstance(named, list) else ()))
    return tuple(sorted(codes))


@dataclass(frozen=True)
class AllergicChild:
    """A child whose food allergy a dish touches: name, class, and the allergy itself (no other health detail)."""

    child_id: int
    name: str
    room: str
    allergen: str
    label_zh: str
    label_en: str
    severity: str


def enrolled_children(centre_id: int, day: date) -> list[Child]:
    """The children enrolled at the centre on `day`."""
    return list(db.session.execute(select(Child).where(
        Child.centre_id == centre_id, Child.enrolled_on <= day,
        or_(Child.left_on.is_(None), Child.left_on >= day)).order_by(Child.room_id, Child.name, Child.id)).scalars())


def allergic_children(centre_id: int, day: date) -> dict[str, list[AllergicChild]]:
    """Allergen code → the enrolled children whose food allergy to it is in force on `day`."""
    children = {c.id: c for c in enrolled_children(centre_id, day)}
    if not children:
        return {}
    rooms = {r.id: r.name for r in db.session.execute(select(Room).where(Room.centre_id == centre_id)).scalars()}
    out: dict[str, list[AllergicChild]] = {}
    for child_id, badges in active_allergies(list(children), day, kinds={AllergenKind.FOOD}).items():
        child = children[child_id]
        for badge in badges:
            out.setdefault(badge.code, []).append(AllergicChild(
                child.id, child.name, rooms.get(child.room_id or 0, ""), badge.code, badge.label_zh, badge.label_en,
                badge.severity))
    return out
