"""Injuries and incidents: the 表9 儿童伤害登记表 with its body map, signatures, review, amendments (issue #17)."""
