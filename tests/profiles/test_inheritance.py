"""A site's effective profile down its chain: the nearest level that sets a field wins,
unless a level above locked it; every value says where it comes from."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.profiles.catalogue import load_catalogue
from bridge.profiles.inheritance import (
    Assignment,
    ChainError,
    Ignored,
    Level,
    Source,
    lock_paths,
    resolve,
)
from bridge.profiles.schema import (
    SECTIONS,
    Profile,
    ProfileOverride,
    as_override,
    field_paths,
    flatten,
    unflatten,
)

PATHS = field_paths()
DEFAULTS = flatten(Profile())


def override(**values: Any) -> ProfileOverride:
    """``override(microphone__gain_db=3)``: the override setting those fields."""
    return ProfileOverride.model_validate(
        unflatten({k.replace("__", "."): v for k, v in values.items()})
    )


CENTRAL = Assignment(Level.CENTRAL, 1)
PROVINCE = Assignment(Level.PROVINCE, 10)
DISTRICT = Assignment(Level.DISTRICT, 100)
COMMUNE = Assignment(Level.COMMUNE, 1000)


def at(step: Assignment, **changes: Any) -> Assignment:
    fields = {"level": step.level, "site_id": step.site_id, **changes}
    return Assignment(**fields)


def source(step: Assignment) -> Source:
    return Source(step.level, step.site_id, step.profile_id)


def site(step: Assignment) -> Source:
    """A level's own: its fields and its locks (no profile)."""
    return Source(step.level, step.site_id, None)


def test_nothing_assigned_is_the_built_in_profile_from_the_defaults() -> None:
    effective = resolve([CENTRAL, PROVINCE])
    assert effective.profile == Profile()
    assert all(r.source is None and r.locked_by is None for r in effective.fields.values())
    assert list(effective.fields) == list(PATHS)


def test_a_profile_at_province_applies_below_and_the_commune_overrides_one_field() -> None:
    hall = load_catalogue()["large-hall"]
    province = at(PROVINCE, profile=as_override(hall.profile), profile_id=hall.id)
    commune = at(COMMUNE, profile=override(microphone__gain_db=6))
    effective = resolve([CENTRAL, province, DISTRICT, commune])
    assert effective.profile.microphone.gain_db == 6
    assert effective.fields["microphone.gain_db"].source == source(commune)
    mic = effective.fields["microphone.echo_cancellation"]
    assert (mic.value, mic.source) == (False, Source(Level.PROVINCE, 10, "large-hall"))
    assert effective.profile.camera == hall.profile.camera
    assert effective.ignored() == []


def test_a_site_sets_fields_on_top_of_its_own_profile() -> None:
    laptop = load_catalogue()["laptop"]
    commune = at(
        COMMUNE,
        profile=as_override(laptop.profile),
        profile_id="laptop",
        fields=override(display__clock=True),
    )
    effective = resolve([CENTRAL, commune])
    assert effective.fields["display.clock"].source == Source(Level.COMMUNE, 1000, None)
    assert effective.fields["display.layout"].source == Source(Level.COMMUNE, 1000, "laptop")
    assert effective.profile.display.clock is True


def test_a_lock_at_central_makes_a_lower_override_ignored_and_reported() -> None:
    central = at(
        CENTRAL,
        profile=override(display__banner_height=10),
        profile_id="large-hall",
        locked=frozenset({"display.banner_height"}),
    )
    district = at(DISTRICT, profile=override(display__banner_height=4, display__clock=True))
    effective = resolve([central, PROVINCE, district])
    banner = effective.fields["display.banner_height"]
    assert (banner.value, banner.source, banner.locked_by) == (10, source(central), site(central))
    assert banner.ignored == (Ignored(source(district), 4),)
    assert effective.ignored() == [("display.banner_height", Ignored(source(district), 4))]
    assert effective.profile.display.clock is True  # not locked: the district's


def test_a_lock_freezes_the_value_the_level_has_even_one_it_did_not_set() -> None:
    province = at(PROVINCE, profile=override(speaker__volume=0.5))
    district = at(DISTRICT, locked=frozenset({"speaker"}))  # a whole section
    commune = at(COMMUNE, profile=override(speaker__volume=1.0, speaker__labels=["HDMI"]))
    effective = resolve([CENTRAL, province, district, commune])
    volume = effective.fields["speaker.volume"]
    assert (volume.value, volume.source, volume.locked_by) == (
        0.5,
        source(province),
        site(district),
    )
    labels = effective.fields["speaker.labels"]
    assert (labels.value, labels.source, labels.locked_by) == ([], None, site(district))
    assert [path for path, _ in effective.ignored()] == ["speaker.labels", "speaker.volume"]


def test_the_highest_lock_is_the_one_reported() -> None:
    central = at(CENTRAL, locked=frozenset({"camera.width"}))
    province = at(PROVINCE, profile=override(camera__width=640), locked=frozenset({"camera"}))
    resolved = resolve([central, province]).fields["camera.width"]
    assert (resolved.value, resolved.locked_by) == (1280, site(central))
    assert resolved.ignored == (Ignored(source(province), 640),)


def test_a_level_own_override_applies_before_its_lock() -> None:
    province = at(PROVINCE, profile=override(display__layout="grid"), locked=frozenset({"display"}))
    commune = at(COMMUNE, profile=override(display__layout="full"))
    effective = resolve([CENTRAL, province, commune])
    assert effective.profile.display.layout == "grid"


@pytest.mark.parametrize(
    ("chain", "field", "problem"),
    [
        ([], "chain", "too_short"),
        ([PROVINCE, CENTRAL], "chain[1].level", "wrong_level"),
        ([CENTRAL, PROVINCE, PROVINCE], "chain[2].level", "wrong_level"),
        ([at(CENTRAL, locked=frozenset({"camera.zoom"}))], "chain[0].locked[0]", "not_found"),
        ([CENTRAL, at(PROVINCE, locked=frozenset({"mic"}))], "chain[1].locked[0]", "not_found"),
    ],
)
def test_a_bad_chain_is_refused_naming_what(
    chain: list[Assignment], field: str, problem: str
) -> None:
    with pytest.raises(ChainError) as caught:
        resolve(chain)
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_a_chain_may_skip_a_level() -> None:
    commune = at(COMMUNE, profile=override(camera__frame_rate=15))
    assert resolve([CENTRAL, commune]).profile.camera.frame_rate == 15


# Properties -----------------------------------------------------------------------------


def _bounds(path: str) -> tuple[Any, Any]:
    section, _, name = path.partition(".")
    info = type(getattr(Profile(), section)).model_fields[name]
    low = next(m.ge for m in info.metadata if hasattr(m, "ge"))
    high = next(m.le for m in info.metadata if hasattr(m, "le"))
    return low, high


def values_of(path: str) -> st.SearchStrategy[Any]:
    """Valid values of one field, from the schema."""
    section, _, name = path.partition(".")
    annotation = type(getattr(Profile(), section)).model_fields[name].annotation
    if name == "labels":
        return st.lists(st.sampled_from(["Jabra*", "PTZ", "HDMI", "*webcam*"]), max_size=3)
    if annotation is bool:
        return st.booleans()
    if get_args(annotation):
        return st.sampled_from(get_args(annotation))
    low, high = _bounds(path)
    if annotation is int:
        return st.integers(low, high)
    return st.floats(low, high, allow_nan=False).map(lambda v: round(v, 2))


# A few fields, so that levels often set the same one.
SOME = st.sampled_from(
    [
        "microphone.gain_db",
        "microphone.echo_cancellation",
        "display.layout",
        "camera.width",
        "speaker.labels",
    ]
)


def some_override(draw: st.DrawFn) -> ProfileOverride | None:
    paths = draw(st.lists(st.one_of(SOME, st.sampled_from(PATHS)), max_size=4, unique=True))
    values = {p: draw(values_of(p)) for p in paths}
    return ProfileOverride.model_validate(unflatten(values)) if values else None


@st.composite
def chains(draw: st.DrawFn) -> list[Assignment]:
    levels = draw(st.lists(st.sampled_from(list(Level)), min_size=1, max_size=4, unique=True))
    chain = []
    for i, level in enumerate(sorted(levels, key=list(Level).index)):
        locked = draw(st.lists(st.one_of(SOME, st.sampled_from([*PATHS, *SECTIONS])), max_size=2))
        chain.append(
            Assignment(
                level,
                i + 1,
                profile=some_override(draw),
                profile_id=draw(st.sampled_from([None, "large-hall", "laptop"])),
                locked=frozenset(locked),
                fields=some_override(draw),
            )
        )
    return chain


def settings_of(step: Assignment, path: str) -> list[tuple[Source, Any]]:
    """What ``step`` sets ``path`` to, in the order it applies: its profile, then its own."""
    found = []
    for part, profile_id in ((step.profile, step.profile_id), (step.fields, None)):
        values = flatten(part) if part is not None else {}
        if path in values:
            found.append((Source(step.level, step.site_id, profile_id), values[path]))
    return found


def first_lock(chain: list[Assignment], path: str) -> int | None:
    return next((i for i, s in enumerate(chain) if path in lock_paths(s.locked)), None)


@settings(max_examples=200, deadline=None)
@given(chains())
def test_the_nearest_level_that_sets_a_field_wins_unless_locked_above(
    chain: list[Assignment],
) -> None:
    effective = resolve(chain)
    for path in PATHS:
        lock = first_lock(chain, path)
        allowed = chain if lock is None else chain[: lock + 1]
        setters = [setting for s in allowed for setting in settings_of(s, path)]
        resolved = effective.fields[path]
        assert (resolved.source, resolved.value) == (
            setters[-1] if setters else (None, DEFAULTS[path])
        )
        assert flatten(effective.profile)[path] == resolved.value


@settings(max_examples=200, deadline=None)
@given(chains())
def test_a_lock_voids_and_reports_every_override_below_it(chain: list[Assignment]) -> None:
    effective = resolve(chain)
    for path in PATHS:
        resolved = effective.fields[path]
        lock = first_lock(chain, path)
        if lock is None:
            assert resolved.locked_by is None and resolved.ignored == ()
            continue
        assert resolved.locked_by == site(chain[lock])
        below = [setting for s in chain[lock + 1 :] for setting in settings_of(s, path)]
        assert [(i.source, i.value) for i in resolved.ignored] == below
        # What a locked field shows is what it had at the locking level.
        upto = resolve(chain[: lock + 1]).fields[path]
        assert (resolved.value, resolved.source) == (upto.value, upto.source)


def only(part: ProfileOverride | None, path: str) -> ProfileOverride | None:
    kept = {p: v for p, v in (flatten(part) if part else {}).items() if p == path}
    return ProfileOverride.model_validate(unflatten(kept)) if kept else None


@settings(max_examples=200, deadline=None)
@given(chains(), st.sampled_from(PATHS))
def test_a_field_resolves_independently_of_the_others(chain: list[Assignment], path: str) -> None:
    alone = [
        Assignment(
            step.level,
            step.site_id,
            profile=only(step.profile, path),
            profile_id=step.profile_id,
            locked=frozenset({path}) if path in lock_paths(step.locked) else frozenset(),
            fields=only(step.fields, path),
        )
        for step in chain
    ]
    assert resolve(alone).fields[path] == resolve(chain).fields[path]


@settings(max_examples=100, deadline=None)
@given(chains())
def test_a_lock_at_the_site_itself_changes_no_value(chain: list[Assignment]) -> None:
    last = chain[-1]
    locked = Assignment(
        last.level, last.site_id, last.profile, last.profile_id, frozenset(PATHS), last.fields
    )
    assert resolve([*chain[:-1], locked]).profile == resolve(chain).profile
