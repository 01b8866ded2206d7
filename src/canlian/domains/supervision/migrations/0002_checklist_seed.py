"""Seed the standard checklist of a designated children's rehabilitation institution (100 points)."""

from decimal import Decimal

from django.db import migrations

CODE = "rehab-institution-2026"
NAME = "残疾儿童康复定点机构规范化检查评分表"

#: (section, requirement, maximum score); the maximum scores total 100.
ITEMS = [
    ("资质与协议", "办学许可证或医疗机构执业许可证、登记证书在有效期内，定点服务协议在有效期内并按协议范围提供服务", "10"),
    ("人员管理", "直接从事康复训练的人员持证上岗（无证不上岗），证书在有效期内，人证相符", "12"),
    ("人员管理", "康复专业人员与在训儿童比例符合要求，岗位职责明确、排班表与实际一致", "6"),
    ("档案管理", "一人一档：申请审批材料、评估报告、康复计划、训练记录、结算资料齐全规范", "10"),
    ("考勤管理", "考勤记录真实准确，与签到、监控、家长确认相符，无虚报训练天数", "12"),
    ("康复服务", "制定个别化康复训练计划（IEP）并按计划实施，教案、课表齐全", "10"),
    ("康复服务", "按期开展入训、中期、结训评估，康复效果有记录、有分析", "6"),
    ("安全管理", "消防设施完好、疏散通道畅通，定期开展消防演练并有记录", "10"),
    ("安全管理", "儿童接送交接、门卫和视频监控制度落实，意外事件按规定报告", "6"),
    ("卫生管理", "场地、教具定期清洁消毒，传染病防控和食品安全措施落实", "6"),
    ("收费管理", "收费项目和标准公示，不违规加收费用，票据规范，补助资金专款专用", "6"),
    ("家长服务", "开展家长培训和家庭康复指导，设立投诉渠道，家长满意度调查结果良好", "6"),
]


def seed(apps, schema_editor):
    Template = apps.get_model("supervision", "ChecklistTemplate")
    Item = apps.get_model("supervision", "ChecklistTemplateItem")
    template, _ = Template.objects.get_or_create(code=CODE, defaults={"name": NAME})
    for number, (section, text, max_score) in enumerate(ITEMS, start=1):
        Item.objects.update_or_create(
            template=template,
            number=number,
            defaults={"section": section, "text": text, "max_score": Decimal(max_score)},
        )


def unseed(apps, schema_editor):
    apps.get_model("supervision", "ChecklistTemplate").objects.filter(code=CODE, inspections__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
