"""Pack sections: the six 主体责任 and the seven inspection areas / 合规资料包的分节."""

from __future__ import annotations

from enum import StrEnum


class Responsibility(StrEnum):
    """六项主体责任 [seed 000 L292, 003 L373, 004 L68] / the six primary responsibilities."""

    REGISTRATION = "registration"
    FILING = "filing"
    SERVICE = "service"
    QUALITY_SAFETY = "quality_safety"
    EMERGENCY = "emergency"
    FIRE_SAFETY = "fire_safety"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _RESPONSIBILITY_LABELS[self][0]

    @property
    def en(self) -> str:
        """English label."""
        return _RESPONSIBILITY_LABELS[self][1]


_RESPONSIBILITY_LABELS: dict[Responsibility, tuple[str, str]] = {
    Responsibility.REGISTRATION: ("依法登记", "Lawful registration"),
    Responsibility.FILING: ("备案承诺", "Filing commitment"),
    Responsibility.SERVICE: ("履约服务", "Contract performance"),
    Responsibility.QUALITY_SAFETY: ("质量安全", "Quality and safety"),
    Responsibility.EMERGENCY: ("应急管理", "Emergency management"),
    Responsibility.FIRE_SAFETY: ("消防安全", "Fire safety"),
}


class InspectionArea(StrEnum):
    """七个检查领域 [seed 001 L212] / the seven inspection areas."""

    OPERATIONS = "operations"
    BUILDING = "building"
    HEALTH = "health"
    FOOD = "food"
    FIRE = "fire"
    PRICES = "prices"
    SUBSIDIES = "subsidies"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _AREA_LABELS[self][0]

    @property
    def en(self) -> str:
        """English label."""
        return _AREA_LABELS[self][1]


_AREA_LABELS: dict[InspectionArea, tuple[str, str]] = {
    InspectionArea.OPERATIONS: ("服务运营", "Service operations"),
    InspectionArea.BUILDING: ("建筑安全", "Building safety"),
    InspectionArea.HEALTH: ("医疗卫生安全", "Medical and health safety"),
    InspectionArea.FOOD: ("食品安全", "Food safety"),
    InspectionArea.FIRE: ("消防安全", "Fire safety"),
    InspectionArea.PRICES: ("服务价格", "Service prices"),
    InspectionArea.SUBSIDIES: ("补贴资金使用", "Use of subsidy funds"),
}
