"""Issue 14, "Words, not codes", in a preview's change rows: the values before and after name a
composite's children by code and name ("Q1G Quarter 1 Grade (weight 60.00)"), not by reference."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from coursemasters.models import MasterComposite
from coursemasters.services import master_item_update
from pushjobs.engine.api import MasterPushOptions
from pushjobs.models import PushJob
from pushjobs.previews import push_job_preview_submit


def test_words_a_previews_change_rows_name_composite_children_by_code_and_name(
    client, district, django_capture_on_commit_callbacks
):
    admin = district.district_admin
    composite = MasterComposite.objects.get(master=district.master, parent__code="S1")
    children = [{"item": "task:Q1G", "weight": "60"}, {"item": "task:Q2G", "weight": "40"}]
    master_item_update(user=admin, item=composite, values={"children": children})
    options = MasterPushOptions(year="22-23", catalog="High School Catalog", master="ENG9", mode="overwrite")
    with django_capture_on_commit_callbacks(execute=True):
        preview = push_job_preview_submit(user=admin, options=options)
    preview.refresh_from_db()
    assert preview.status == PushJob.COMPLETED
    client.force_login(admin)

    html = client.get(reverse("pushjobs:job_detail", args=[preview.pk])).content.decode()

    changes = re.search(r'id="changes".*?</table>', html, re.S)
    assert changes is not None
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", changes.group(0))))
    assert "S1 Semester 1 Grade" in text
    assert "Q1G Quarter 1 Grade (weight 60.00), Q2G Quarter 2 Grade (weight 40.00)" in text
    assert not re.search(r"\b(task|standard):\S", text), re.search(r".{60}\b(task|standard):\S.{20}", text)
    # and its tables stack on a phone, each cell with its heading, as the job page's result table does
    for name in ("change-rows", "result-rows"):
        table = re.search(rf'<table class="[^"]*{name}[^"]*">.*?</table>', html, re.S).group(0)
        assert "table-stack" in table.split(">")[0], name
        assert all("data-label=" in attrs for attrs in re.findall(r"<td([^>]*)>", table)), name


def test_words_a_removed_items_former_values_name_its_task_by_code_and_name(client, district):
    from pushjobs.worker import push_job_run_inline

    # given an overwrite push of ENG9, which removes 101's own CIT task (the master has none)
    options = MasterPushOptions(year="22-23", catalog="High School Catalog", master="ENG9", mode="overwrite")
    job, _ = push_job_run_inline(user=district.district_admin, options=options)
    assert job.result_rows.filter(item="task:CIT", outcome="removed").exists()
    client.force_login(district.district_admin)

    html = client.get(reverse("pushjobs:job_detail", args=[job.pk])).content.decode()

    table = re.search(r'<table class="[^"]*result-rows[^"]*">.*?</table>', html, re.S)
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table.group(0))))
    assert "Removed. It was:" in text and "item: CIT Citizenship;" in text
