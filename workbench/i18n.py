"""User-facing words of the analyses and views, Chinese first, English by one setting.

``text(key)`` reads the active language (``set_config(language="en")``); unknown keys come back
as themselves so a missing translation shows, never breaks a figure.

>>> text("status.late", "zh"), text("status.late", "en")
('超期办结', 'late')
>>> text("no.such.key", "en")
'no.such.key'
"""

from __future__ import annotations

__all__ = ["TEXT", "text", "lang"]

TEXT: dict[str, tuple[str, str]] = {
    # clock statuses
    "status.met": ("按期", "met"),
    "status.late": ("超期办结", "late"),
    "status.open": ("办理中", "open"),
    "status.approaching": ("临期", "approaching limit"),
    "status.open_past_limit": ("超期未办", "open past limit"),
    # parties
    "party.office": ("信访部门", "petition office"),
    "party.unit": ("责任单位", "responsible unit"),
    "party.reviewer": ("复查复核机关", "review organ"),
    "party.petitioner": ("信访人", "petitioner"),
    # why a clock reads as it does
    "why.start_fallback": ("未记录起算环节（如受理），按前一环节起算", "start not recorded (e.g. no acceptance); counted from the step before"),
    "why.extended": ("经批准延期", "approved extension applied"),
    "why.extension_capped": ("延期超过上限，超出部分不计", "extension beyond the maximum; the excess is not counted"),
    "why.extension_after_due": ("期限届满后才延期，不予计算", "extension made after the limit ran out; not counted"),
    "why.extension_not_approved": ("延期未获批准", "extension not approved"),
    "why.returned_outside_remit": ("以不属职权范围退回（5个工作日）", "returned as outside the unit's remit (5 working days)"),
    "why.closed_without_reply": ("未出具答复意见即办结", "closed without a written reply"),
    "why.stop_before_start": ("办结记录早于起算时间", "stop recorded before the start"),
    "why.calendar_unknown": ("超出节假日日历年份，仅按周末计算", "outside the holiday calendar's years: weekends only"),
    "why.stated_due_differs": ("台账限办日期与规则计算不符", "the ledger's stated due date differs from the rule"),
    "why.demand_type_unknown": ("诉求类型缺失，按申诉求决类计时", "demand type missing: clock applied"),
    # KPIs
    "kpi.timely_acceptance": ("及时受理率", "timely acceptance rate"),
    "kpi.on_time": ("按期办结率", "on-time completion rate"),
    "kpi.satisfaction": ("群众满意率", "satisfaction rate"),
    "kpi.participation": ("参评率", "evaluation participation rate"),
    "kpi.repeat": ("重复信访率", "repeat petition rate"),
    "kpi.online_share": ("网信占比", "online share"),
    "kpi.skip_level": ("越级访率", "skip-level visit rate"),
    "kpi.first_closed_on_time": ("初信初访办结率", "first petitions closed"),
    "kpi.resolved_once": ("一次性化解率", "resolved at first handling"),
    "kpi.settled": ("息访率", "settled rate"),
    "kpi.cases": ("信访总量（件次）", "cases (件次)"),
    "kpi.visits_batches": ("来访批次", "visit batches (批次)"),
    "kpi.visits_persons": ("来访人次", "visit persons (人次)"),
    "kpi.collective_batches": ("集体访批次", "collective visit batches"),
    "kpi.collective_persons": ("集体访人次", "collective visit persons"),
    "kpi.collective_5_10": ("集体访 5–10人", "collective 5–10 people"),
    "kpi.collective_11_20": ("集体访 11–20人", "collective 11–20 people"),
    "kpi.collective_21_50": ("集体访 21–50人", "collective 21–50 people"),
    "kpi.collective_51_100": ("集体访 51–100人", "collective 51–100 people"),
    "kpi.collective_100plus": ("集体访 100人以上", "collective over 100 people"),
    "cohort.timely_acceptance": ("限期届满日在统计期内的件（初件）；按期作出转送/受理决定为分子", "clocks due in the period (first petitions); decided in time over met + late + open past limit"),
    "cohort.on_time": ("办理期限届满日在统计期内的件（初件）；分母=按期+超期办结+超期未办", "handle clocks due in the period (first petitions); met over met + late + open past limit"),
    "cohort.satisfaction": ("统计期内办结并已评价的件（初件）；满意+基本满意/已评价", "closed in the period and evaluated (first petitions); satisfied + basically over evaluated"),
    "cohort.participation": ("统计期内办结的件（初件）；已评价/(已评价+超期未评价)", "closed in the period (first petitions); evaluated over evaluated + evaluation overdue"),
    "cohort.repeat": ("统计期内登记的件；重复件/全部", "received in the period; repeat over all"),
    "cohort.online_share": ("统计期内登记的件；来信来访以外渠道/全部", "received in the period; channels other than letters and visits over all"),
    "cohort.skip_level": ("统计期内登记的来访；越级访/来访", "visits received in the period; skip-level over all visits"),
    "cohort.first_closed_on_time": ("本地口径：统计期内登记的初信初访；已办结且未超办理期限/全部", "local: first petitions received in the period; closed without overrunning the handling limit over all"),
    "cohort.resolved_once": ("本地口径：统计期内办结的初信初访；未申请复查、未重复信访且未评不满意/全部", "local: first petitions closed in the period; no review request, no repeat, not dissatisfied over all"),
    "cohort.settled": ("本地口径：统计期内办结且已满180天的件；180天内未申请复查、未重复信访/全部", "local: closed in the period at least 180 days ago; no review request or repeat within 180 days over all"),
    "cohort.cases": ("统计期内登记的件次", "cases received in the period"),
    "cohort.visits_batches": ("统计期内来访批次", "visit batches received in the period"),
    "cohort.visits_persons": ("统计期内来访人次", "visit persons received in the period"),
    "cohort.collective_batches": ("统计期内5人以上来访批次", "visits of 5 or more people, batches"),
    "cohort.collective_persons": ("统计期内5人以上来访人次", "visits of 5 or more people, persons"),
    "cohort.collective_5_10": ("集体访批次（5–10人）", "collective visit batches, 5–10 people"),
    "cohort.collective_11_20": ("集体访批次（11–20人）", "collective visit batches, 11–20 people"),
    "cohort.collective_21_50": ("集体访批次（21–50人）", "collective visit batches, 21–50 people"),
    "cohort.collective_51_100": ("集体访批次（51–100人）", "collective visit batches, 51–100 people"),
    "cohort.collective_100plus": ("集体访批次（100人以上）", "collective visit batches, over 100 people"),
    "count.件次": ("件次", "cases"),
    "count.人次": ("人次", "persons"),
    "count.批次": ("批次", "batches"),
    # stages
    "stage.route": ("登记→转送交办", "registration → routing"),
    "stage.arrive": ("转送→到达责任单位", "routing → arrival"),
    "stage.accept": ("到达→受理", "arrival → acceptance"),
    "stage.reply": ("受理→答复", "acceptance → reply"),
    "stage.close": ("答复→办结", "reply → closure"),
    "stage.review_request": ("答复→申请复查", "reply → review request"),
    "stage.review": ("申请复查→复查意见", "review request → review"),
    "stage.recheck_request": ("复查→申请复核", "review → recheck request"),
    "stage.recheck": ("申请复核→复核意见", "recheck request → recheck"),
    # groupings
    "by.unit": ("责任单位", "responsible unit"),
    "by.office": ("信访部门", "petition office"),
    "by.leader": ("包案领导", "responsible leader"),
    "by.county": ("县（市、区）", "county"),
    "by.township": ("乡镇（街道）", "township"),
    "by.city": ("市", "city"),
    "by.category": ("问题分类", "category"),
    "by.channel": ("信访形式", "channel"),
    "by.month": ("月份", "month"),
    "by.clock": ("时限", "clock"),
    "by.stage": ("环节", "stage"),
    # figures (workbench.views.delays)
    "fig.party.all": ("全部", "all"),
    "fig.kpi.title": ("考核指标（{party}口径）", "Key indicators ({party})"),
    "fig.kpi.parts": ("分子 {num} / 分母 {den}", "numerator {num} / denominator {den}"),
    "fig.kpi.no_row": ("无数据", "no data"),
    "fig.kpi.mom_note": ("箭头为较上期（环比）变化，比率以百分点计", "arrows: change on the previous period, rates in percentage points"),
    "fig.pp": ("个百分点", " pp"),
    "fig.late.title": ("超期件数：责任单位 × 到期月份（{clock}，超期最多的{n}个单位）", "Late clocks by unit and month due ({clock}; the {n} units with most late)"),
    "fig.late.note": ("超期 = 超期办结 + 超期未办；到期 = 按期 + 超期办结 + 超期未办；空白：当月无到期件", "late = finished late + open past limit; due = met + late + open past limit; blank: nothing due that month"),
    "fig.late.hover": ("{unit}<br>到期月份：{month}<br>超期 {late} 件 / 到期 {total} 件<br>超期率：{rate}", "{unit}<br>month due: {month}<br>late {late} of {total} due<br>late rate: {rate}"),
    "fig.late.hover_none": ("{unit}<br>到期月份：{month}<br>当月无到期件", "{unit}<br>month due: {month}<br>nothing due"),
    "fig.late.colorbar": ("超期件数", "late"),
    "fig.month_due": ("到期月份", "month due"),
    "fig.stage.title": ("各环节用时（天）", "Days per stage"),
    "fig.stage.title_by": ("各环节用时（天），按{by}", "Days per stage by {by}"),
    "fig.stage.top": ("（办结件最多的前{n}个）", " (the {n} with most finished steps)"),
    "fig.stage.whiskers": ("箱体：P25–P75；横线：中位数；虚线：平均值；须线：最小值–P90（最大值见悬停）；只计已办结环节", "box: P25–P75; line: median; dashed: mean; whiskers: min–P90 (max on hover); finished steps only"),
    "fig.stage.all": ("全部环节", "all stages"),
    "fig.days": ("天数", "days"),
    "fig.day_unit": ("天", "d"),
    "fig.n_done": ("已办结", "finished"),
    "fig.running": ("进行中", "running"),
    "fig.min": ("最小值", "min"),
    "fig.median": ("中位数", "median"),
    "fig.max": ("最大值", "max"),
    "fig.mean": ("平均值", "mean"),
    "fig.timeline.title": ("信访件 {case} 办理过程", "Case {case}: how it was handled"),
    "fig.events": ("办理记录", "events"),
    "fig.stages": ("办理环节", "stages"),
    "fig.holder": ("承办", "held by"),
    "fig.start": ("开始", "start"),
    "fig.end": ("结束", "end"),
    "fig.duration": ("用时", "took"),
    "fig.days_n": ("{days:.1f}天", "{days:.1f} d"),
    "fig.running_until": ("未结束（计至 {date}）", "not finished (counted to {date})"),
    "fig.due_label": ("{clock}期限 {date}：{status}", "{clock} due {date}: {status}"),
    "fig.days_late_n": ("（{days}天）", " ({days} d)"),
    "fig.as_of": ("统计截止 {date}", "as of {date}"),
    "fig.rank.title": ("超期率排名：{by}（前{n}位）", "Late-case rate by {by} (top {n})"),
    "fig.rank.note": ("超期率 = 超期件（超期办结或超期未办）/ 到期件；条旁数字：超期件/到期件", "late-case rate = late cases (finished late or open past limit) / cases due; beside the bars: late/due"),
    "fig.late_rate": ("超期率", "late-case rate"),
    "fig.late_rate_pct": ("超期率（%）", "late-case rate (%)"),
    "fig.late_cases": ("超期件", "late cases"),
    "fig.cases_due": ("到期件", "cases due"),
    "fig.days_late_total": ("超期天数合计", "days late, total"),
    "fig.days_late_median": ("超期天数中位数", "days late, median"),
    "fig.days_late_max": ("最长超期天数", "days late, longest"),
    "fig.aging.title": ("在办件账龄：共 {n} 件，其中 {past} 件已超期限", "Open cases by age: {n}, of which {past} past a limit"),
    "fig.aging.within": ("未超期限", "within limits"),
    "fig.aging.past": ("已超期限", "past a limit"),
    "fig.age_days": ("账龄（自登记日起天数）", "age (days since received)"),
    "fig.open_cases": ("在办件数", "open cases"),
    "fig.table.header": ("共 {n} 件，显示前 {m} 件", "{n} cases, showing the first {m}"),
    "fig.col.case_id": ("信访件编号", "case"),
    "fig.col.received_at": ("登记时间", "received"),
    "fig.col.channel": ("信访形式", "channel"),
    "fig.col.category_l1": ("问题分类", "category"),
    "fig.col.category_l2": ("二级分类", "subcategory"),
    "fig.col.region_name": ("问题属地", "region"),
    "fig.col.summary": ("概况", "summary"),
    "fig.col.responsible_unit_id": ("责任单位", "responsible unit"),
    "fig.col.unit_id": ("单位", "unit"),
    "fig.col.unit_name": ("单位", "unit"),
    "fig.col.lead_person_id": ("包案领导", "leader"),
    "fig.col.leader_name": ("包案领导", "leader"),
    "fig.col.clock_label": ("时限", "clock"),
    "fig.col.status": ("状态", "status"),
    "fig.col.due": ("限办日期", "due"),
    "fig.col.days_late": ("超期天数", "days late"),
    "fig.col.days_left": ("剩余天数", "days left"),
    "fig.col.closed_at": ("办结时间", "closed"),
}


def lang(language: str | None = None) -> str:
    """The language to use: the one given, else the configured one."""
    if language:
        return language
    from .config import get_config

    return get_config().language


def text(key: str, language: str | None = None, **fmt: object) -> str:
    """The text for ``key`` in ``language`` (default: the configured language)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    s = pair[1] if lang(language) == "en" else pair[0]
    return s.format(**fmt) if fmt else s
