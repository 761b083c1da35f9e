"""A request that asks a department by name goes there when the model ranks it close; one
that gives a department's institution only as where the problem is does not go there for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.domain.catalogue import load_catalogue
from hotline.domain.named_body import (
    asked_department,
    landmark_departments,
    past_landmark,
    prefer_named,
)

CATALOGUE = load_catalogue(Path(__file__).resolve().parents[2] / "data" / "catalogue.yml")
CALLED = {code: spec.called for code, spec in CATALOGUE.departments.items()}
LANDMARKS = {code: spec.landmarks for code, spec in CATALOGUE.departments.items()}


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("社区卫生服务中心给我妈换了一种降压药，吃了头晕，请卫健委问一问", "health"),
        ("公交站挪到了红绿灯底下，右转道天天堵，建议交通部门把站往后挪", "transport"),
        ("村里小学教室墙上全是裂缝，请教育局的人来看看", "education"),
        ("麻烦派出所管一管楼上半夜唱歌", "public_security"),
    ],
)
def test_a_request_to_a_named_department_names_it(text: str, department: str) -> None:
    assert asked_department(text, CALLED) == department


@pytest.mark.parametrize(
    "text",
    [
        # a body that sent the citizen on is not asked to act
        "厂里拖了三个月工资，工会说欠薪归人社，我到底该找谁",
        "村里让我找工会，工会说这个不归他们管",
        # a question, not a request
        "请问低保在哪里申请",
        # two departments asked: the model decides
        "请城管和环保一起来查一下河边的烧烤摊",
        "楼下路灯坏了好几天了",
        # 民政 inside 人民政府; a person asked to go to the police; a body named early in a
        # long letter, not in the request at its end
        "我郑重请求，请求人民政府能给我做主，还我一个公道",
        "她抢了我的手机，我要求她去派出所讲清楚，她不肯",
        "去年我们请城管来过一次。" + "后来这家店又把桌子摆出来了，" * 12 + "希望有个说法",
    ],
)
def test_no_single_department_asked_by_name(text: str) -> None:
    assert asked_department(text, CALLED) is None


DEPARTMENT_OF = {
    "drug_quality": "market_regulation",
    "medical_service": "health",
    "vaccination": "health",
    "chitchat": None,
    "street_lights": "urban_management",
}


def test_the_named_department_close_behind_takes_the_lead() -> None:
    ranking = [
        ("drug_quality", 0.5),
        ("medical_service", 0.2),
        ("vaccination", 0.1),
        ("chitchat", 0.2),
    ]
    preferred = prefer_named(ranking, DEPARTMENT_OF, "health")
    assert DEPARTMENT_OF[preferred[0][0]] == "health"
    assert preferred[0][0] == "medical_service"  # its own best intent first
    assert sum(c for _, c in preferred) == pytest.approx(1.0)
    shares = {
        d: sum(c for i, c in preferred if DEPARTMENT_OF[i] == d)
        for d in ("health", "market_regulation")
    }
    assert shares == pytest.approx({"health": 0.5, "market_regulation": 0.3})


def test_a_named_department_the_model_does_not_consider_changes_nothing() -> None:
    ranking = [
        ("drug_quality", 0.5),
        ("medical_service", 0.3),
        ("chitchat", 0.15),
        ("street_lights", 0.05),
    ]
    assert prefer_named(ranking, DEPARTMENT_OF, "urban_management") == ranking
    assert prefer_named(ranking, DEPARTMENT_OF, "market_regulation") == ranking


@pytest.mark.parametrize(
    ("text", "departments"),
    [
        ("我们学校后面那条小河沟又黑又臭，河边有根管子一直往里流灰水", {"education"}),
        ("医院隔壁那家小厂正在往外冒黄烟，好几个病人在咳", {"health"}),
        ("幼儿园门口天天有人乱停车，接孩子都挤不进去", {"education"}),
        # the institution is what the request is about, not where it happened
        ("学校食堂的肉有股臭味，好几个同学吃完拉肚子", set()),
        ("社区医院打针不消毒", set()),
    ],
)
def test_an_institution_given_as_where_the_problem_is(text: str, departments: set[str]) -> None:
    assert landmark_departments(text, LANDMARKS) == departments


LANDMARK_OF = {
    "school_fees": "education",
    "school_safety": "education",
    "river_pollution": "environment",
    "construction_noise": "environment",
    "chitchat": None,
}


def test_a_close_runner_up_takes_the_lead_from_a_landmark() -> None:
    ranking = [
        ("school_fees", 0.35),
        ("river_pollution", 0.25),
        ("school_safety", 0.15),
        ("construction_noise", 0.15),
        ("chitchat", 0.1),
    ]
    preferred = past_landmark(ranking, LANDMARK_OF, {"education"})
    assert preferred[0][0] == "river_pollution"  # its own best intent first
    assert sum(c for _, c in preferred) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "ranking",
    [
        # the model is sure: the landmark does not overrule it
        [("school_fees", 0.7), ("river_pollution", 0.2), ("chitchat", 0.1)],
        # the runner-up is no department at all
        [("school_fees", 0.5), ("chitchat", 0.4), ("river_pollution", 0.1)],
    ],
)
def test_a_landmark_does_not_overrule_the_model(ranking: list[tuple[str, float]]) -> None:
    assert past_landmark(ranking, LANDMARK_OF, {"education"}) == ranking
    assert past_landmark(ranking, LANDMARK_OF, set()) == ranking
