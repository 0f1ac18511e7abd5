"""The families domain's routes in the policy matrix and the isolation test: messages, ratings, complaints.

Threads and attachments are child-scoped (a guardian: their own family's only); complaints are the family's own
(a guardian reads their own through `get_complaint`, never another family's). The staff pages over many children
(a room's threads, every thread, one thread with its reply box) are `staff_only`: never a guardian.
"""

from __future__ import annotations

from server.auth.actor import Actor, Grant
from server.auth.roles import Perm, Role
from tests.server.auth.matrix_parts._base import PartContext, perm, staff_only

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ANSWERS = {"safety": 5, "care": 4, "food": 3, "communication": 4, "hygiene": 5}

NEEDS = {
    "families_api.list_threads": perm(Perm.MESSAGES_READ),  # a guardian: their own children's threads
    "families_api.list_messages": perm(Perm.MESSAGES_READ, family=True),
    "families_api.post_message": perm(Perm.MESSAGES_WRITE, family=True),
    "families_api.post_attachment": perm(Perm.MESSAGES_WRITE, family=True),
    "families_api.mark_read": perm(Perm.MESSAGES_READ, family=True),
    "families_api.download_attachment": perm(Perm.MESSAGES_READ, family=True),
    "families_api.get_survey": perm(Perm.FAMILY_WRITE),
    "families_api.submit_rating": perm(Perm.FAMILY_WRITE),
    "families_api.rating_summary": perm(Perm.FEEDBACK_READ),
    "families_api.list_complaints": perm(Perm.FEEDBACK_READ),
    "families_api.list_family_complaints": perm(Perm.FAMILY_WRITE),
    "families_api.file_complaint": perm(Perm.FAMILY_WRITE),
    "families_api.get_complaint": perm(Perm.FEEDBACK_READ, family=True),
    "families_api.answer_complaint": perm(Perm.FEEDBACK_MANAGE),
    "families_api.close_complaint": perm(Perm.FEEDBACK_MANAGE),
    "families.family_messages": perm(Perm.MESSAGES_READ, family=True),  # staff are sent to their own thread page
    "families.send_family_message": perm(Perm.MESSAGES_WRITE, family=True),
    "families.room_messages": staff_only(Perm.MESSAGES_READ),
    "families.thread": staff_only(Perm.MESSAGES_READ),
    "families.send_staff_message": staff_only(Perm.MESSAGES_WRITE),
    "families.all_messages": staff_only(Perm.MESSAGES_READ),
    "families.survey": perm(Perm.FAMILY_WRITE),
    "families.submit_survey": perm(Perm.FAMILY_WRITE),
    "families.family_complaints": perm(Perm.FAMILY_WRITE),
    "families.make_complaint": perm(Perm.FAMILY_WRITE),
    "families.feedback": perm(Perm.FEEDBACK_READ),
    "families.complaint": perm(Perm.FEEDBACK_READ),
    "families.answer_complaint": perm(Perm.FEEDBACK_MANAGE),
    "families.close_complaint": perm(Perm.FEEDBACK_MANAGE),
}
JSON_BODIES = {
    "families_api.post_message": {"body": "老师好，孩子今天有点咳嗽"},
    "families_api.mark_read": {},
    "families_api.submit_rating": {"answers": ANSWERS, "comment": "老师很耐心"},
    "families_api.file_complaint": {"category": "food", "text": "午餐送到时已经凉了"},
    "families_api.answer_complaint": {"text": "已与厨房沟通，改用保温箱"},
    "families_api.close_complaint": {"outcome": "家长确认已改善"},
}
FORMS = {
    "families.send_family_message": {"body": "谢谢老师"},
    "families.send_staff_message": {"body": "今天午睡很好"},
    "families.submit_survey": {f"answers.{key}": str(score) for key, score in ANSWERS.items()},
    "families.make_complaint": {"category": "safety", "text": "接送时门口太拥挤"},
    "families.answer_complaint": {"text": "已调整接送时段"},
    "families.close_complaint": {"outcome": "已办结"},
}
# Answer before closing; both change what later requests see.
LAST = ("families_api.answer_complaint", "families.answer_complaint", "families_api.close_complaint",
        "families.close_complaint")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/messages"): {"body": "你好"},
    ("POST", "/api/v1/children/<child_id>/messages/attachments"): None,
    ("POST", "/api/v1/children/<child_id>/messages/read"): {},
    ("POST", "/api/v1/centres/<code>/ratings"): {"answers": ANSWERS},
    ("POST", "/api/v1/centres/<code>/complaints"): {"category": "other", "text": "测试"},
    ("POST", "/api/v1/complaints/<complaint_id>/answer"): {"text": "已处理"},
    ("POST", "/api/v1/complaints/<complaint_id>/close"): {"outcome": "已办结"},
}


def guardian(ctx: PartContext) -> Actor:
    """The family's guardian as the operations see them (their contact, a guardian's grant at the centre)."""
    return Actor(kind="user", user_id=ctx.contact.user_id, grants=(Grant(ctx.centre.id, Role.GUARDIAN, None),),
                 contact_ids=frozenset({ctx.contact.id}))


def objects(ctx: PartContext) -> dict[str, int]:
    """A message with a PDF in the family's child's thread, and a complaint the family made."""
    from sqlalchemy import select

    from server.database import db
    from server.families.models import MessageAttachment
    from server.families.operations.complaints import file_complaint
    from server.families.operations.messages import Upload, post_message
    from server.families.settings import message_store

    message = post_message(ctx.child, body="请看体检单", uploads=[Upload(PDF, "体检单.pdf")], store=message_store(),
                           actor=guardian(ctx), now=ctx.now)
    attachment = db.session.execute(select(MessageAttachment.id).where(
        MessageAttachment.message_id == message.id)).scalar_one()
    complaint = file_complaint(ctx.centre, category="care", text=f"{ctx.tag}{ctx.n} 午睡时间太短", child_id=ctx.child.id,
                               actor=guardian(ctx), now=ctx.now)
    return {"attachment_id": attachment, "complaint_id": complaint.id}
