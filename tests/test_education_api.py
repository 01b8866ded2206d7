"""The education API: schools, placements (with the student-list import) and the not-enrolled list,
read through the user's scope (a township sees only its township), ID numbers masked, writes refused
without education.manage, bad input answered with the API's error naming the field (and row)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from registry_factories import registered

from canlian.domains.education import actions
from canlian.domains.education.models import PlacementRecord, School

pytestmark = pytest.mark.django_db
API = "/api/v1/education"


@pytest.fixture
def world(regions, make_user):
    admin = make_user("county_admin", "3705", username="eduapi_city")
    here = registered(name="本镇学生", birth="20150301", region_code="370502001001", grade=3)
    there = registered(name="外镇学生", birth="20150302", region_code="370505001", grade=3)
    unplaced = registered(name="未录学生", birth="20150303", region_code="370502001001", grade=3)
    ours = actions.school_create(actor=admin, name="文汇小学", region_code="370502001", resource_room=True)
    theirs = actions.school_create(actor=admin, name="垦利小学", region_code="370505001")
    mine = actions.placement_record(
        actor=admin, person_id=here.pk, school_year=2025, placement="regular_class", school_id=ours.pk
    )
    other = actions.placement_record(
        actor=admin, person_id=there.pk, school_year=2025, placement="regular_class", school_id=theirs.pk
    )
    return {
        "township": make_user("township_worker", "370502001", username="eduapi_wh"),
        "leader": make_user("leader", "370502", username="eduapi_leader"),
        "here": here,
        "there": there,
        "unplaced": unplaced,
        "ours": ours,
        "theirs": theirs,
        "mine": mine,
        "other": other,
    }


def test_a_township_sees_only_its_township_with_ids_masked(world, client):
    client.force_login(world["township"])
    schools = client.get(f"{API}/schools/").json()["results"]
    assert [s["name"] for s in schools] == ["文汇小学"] and schools[0]["pupils"] == 1
    placed = client.get(f"{API}/placements/", {"school_year": 2025}).json()["results"]
    assert [p["id"] for p in placed] == [world["mine"].pk]
    assert placed[0]["person_id_number"] != world["here"].id_number
    assert (
        placed[0]["person_id_number"][:6] == world["here"].id_number[:6]
        and "*" in placed[0]["person_id_number"]
    )
    assert client.get(f"{API}/placements/{world['other'].pk}/").status_code == 404
    assert client.get(f"{API}/schools/{world['theirs'].pk}/").status_code == 404
    todo = client.get(f"{API}/not-enrolled/", {"school_year": 2025}).json()["results"]
    assert [(r["id"], r["recorded_placement"]) for r in todo] == [(world["unplaced"].pk, None)]
    assert todo[0]["id_number"] != world["unplaced"].id_number
    bad = client.get(f"{API}/placements/", {"placement": "flying"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "placement"  # not in the schema


def test_writes_need_education_manage_and_leave_nothing(world, client):
    client.force_login(world["leader"])  # reads education, may not write
    assert client.get(f"{API}/placements/{world['mine'].pk}/").status_code == 200
    before = (School.objects.count(), PlacementRecord.objects.count())
    refused = client.post(
        f"{API}/placements/",
        {"person": world["unplaced"].pk, "school_year": 2025, "placement": "regular_class"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    refused = client.post(
        f"{API}/schools/", {"name": "新学校", "region_code": "370502001"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert (School.objects.count(), PlacementRecord.objects.count()) == before


def test_a_write_with_a_bad_field_names_it(world, client):
    client.force_login(world["township"])
    post = lambda body: client.post(f"{API}/placements/", body, content_type="application/json")  # noqa: E731
    bad = post({"person": world["unplaced"].pk, "school_year": 2025, "placement": "flying"})
    assert bad.status_code == 400 and list(bad.json()["error"]["details"]) == ["placement"]  # not a choice
    blank = client.post(
        f"{API}/schools/", {"name": " ", "region_code": "370502001"}, content_type="application/json"
    )
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "name"  # refused by the action
    foreign = post(
        {
            "person": world["unplaced"].pk,
            "school_year": 2025,
            "placement": "regular_class",
            "school": world["theirs"].pk,
        }
    )
    assert foreign.status_code == 422 and foreign.json()["error"]["field"] == "school"
    assert (
        post({"person": world["there"].pk, "school_year": 2025, "placement": "home_teaching"}).status_code
        == 404
    )
    assert not PlacementRecord.objects.filter(person=world["unplaced"]).exists()
    made = post({"person": world["unplaced"].pk, "school_year": 2025, "placement": "home_teaching"})
    assert made.status_code == 201 and made.json()["placement"] == "home_teaching"
    school = client.post(
        f"{API}/schools/", {"name": "文汇小学", "region_code": "370502001"}, content_type="application/json"
    )
    assert school.status_code == 409 and school.json()["error"]["field"] == "name"


def test_the_student_list_import(world, client):
    client.force_login(world["township"])
    here, there, unplaced = world["here"], world["there"], world["unplaced"]

    def upload(rows: list[str]):
        content = ("身份证号,姓名,安置方式,未入学原因\n" + "\n".join(rows) + "\n").encode()
        return client.post(
            f"{API}/placements/import/",
            {"file": SimpleUploadedFile("list.csv", content, content_type="text/csv"), "school_year": 2026},
        )

    refused = upload([f"{here.id_number},本镇学生,中职,", f"{unplaced.id_number},未录学生,飞行,"])
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["details"][0]["row"] == "3" and error["details"][0]["field"] == "placement"
    assert not PlacementRecord.objects.filter(school_year=2026).exists()  # all or nothing
    done = upload([f"{here.id_number},本镇学生,中职,", f"{there.id_number},外镇学生,高校,"])
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["imported"], body["updated"]) == (1, 0)
    assert [u["row"] for u in body["unmatched"]] == [3] and body["unmatched"][0][
        "id_number"
    ] != there.id_number
    assert PlacementRecord.objects.get(person=here, school_year=2026).placement == "vocational"


def test_an_empty_upload_is_refused_naming_the_file_and_the_schema_says_so(world, client):
    """An upload is never empty: the schema bounds it (minLength 1) and an empty file is a 422 naming
    the field, with nothing written."""
    client.force_login(world["township"])
    empty = client.post(
        f"{API}/placements/import/",
        {"file": SimpleUploadedFile("list.csv", b"", content_type="text/csv"), "school_year": 2026},
    )
    assert empty.status_code == 422, empty.content
    assert "file" in empty.json()["error"]["details"]
    assert not PlacementRecord.objects.filter(school_year=2026).exists()
    schema = client.get("/api/schema/?format=json").json()
    upload = schema["paths"][f"{API}/placements/import/"]["post"]["requestBody"]["content"]
    file_field = upload["multipart/form-data"]["schema"]
    if "$ref" in file_field:
        file_field = schema["components"]["schemas"][file_field["$ref"].rsplit("/", 1)[1]]
    declared = file_field["properties"]["file"]
    assert (declared["type"], declared["format"], declared["minLength"]) == ("string", "binary", 1)
