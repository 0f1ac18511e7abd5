"""Render the effective rulebook as text for ``tuoyu rules show`` / 规则库文本输出."""

from __future__ import annotations

from compliance.rulebook.model import Rule, Rulebook, Scope

_CONFIDENCE = {"N": "国家文本已核对 national text checked", "S": "二手摘要 secondary summary"}


def _source_label(source: str, book: Rulebook) -> str:
    if source == "national":
        return "全国 national"
    if source == "centre":
        return "机构政策 centre policy"
    if book.region_name is not None:
        return f"地方 region: {book.region_name.zh} {book.region_name.en}"
    return f"地方 region: {source.removeprefix('region:')}"


def _format_rule(rule: Rule, book: Rulebook) -> list[str]:
    lines = [f"{rule.id}  {rule.title.zh} / {rule.title.en}"]
    flags = [f"来源 source: {_source_label(rule.source, book)}", f"可配置 configurable: {'是 yes' if rule.configurable else '否 no'}"]
    if rule.scope is Scope.REGION:
        flags.append("地区规划指标，仅供参考 regional target, information only")
    lines.append("  " + "    ".join(flags))
    if rule.parameters:
        lines.append("  参数 parameters:")
        lines.extend(f"    {name} {param.describe()}" for name, param in rule.parameters.items())
    else:
        lines.append("  参数 parameters: 无（义务性规则）none (a duty)")
    lines.append("  依据 citations:")
    for citation in rule.citations:
        text = f"    {citation.label()} {citation.document}，{citation.article}"
        if citation.seed is not None:
            text += f"（{citation.seed.file} 第{citation.seed.line}行 line {citation.seed.line}）"
        elif citation.confidence.value in _CONFIDENCE:
            text += f"（{_CONFIDENCE[citation.confidence.value]}）"
        lines.append(text)
    sections = " · ".join(f"{r.zh} {r.en}" for r in rule.responsibilities)
    areas = " · ".join(f"{a.zh} {a.en}" for a in rule.inspection_areas)
    lines.append(f"  主体责任 responsibility: {sections}")
    lines.append(f"  检查领域 inspection area: {areas}")
    until = f" 至 to {rule.effective_to.isoformat()}" if rule.effective_to else ""
    lines.append(f"  生效 effective: {rule.effective_from.isoformat()} 起 from{until}")
    if rule.note is not None:
        lines.append(f"  说明 note: {rule.note.zh} / {rule.note.en}")
    return lines


def format_rulebook(rules: Rulebook) -> str:
    """The effective rulebook as plain text, Chinese first, English second."""
    region = "全国 national"
    if rules.region_name is not None:
        region = f"{rules.region_name.zh} {rules.region_name.en} ({rules.region})"
    lines = [
        "托育合规规则库 / Childcare compliance rulebook",
        f"版本 version: {rules.version}",
        f"地区 region: {region}",
        f"日期 on: {rules.on.isoformat()}",
        f"规则数 rules: {len(rules)}",
    ]
    for note in rules.policy_notes:
        lines.append(f"机构政策提示 policy note [{note.rule_id}]: {note.message_zh} / {note.message_en}")
    for rule in rules:
        lines.append("")
        lines.extend(_format_rule(rule, rules))
    return "\n".join(lines) + "\n"
