"""store.profiles against a real SQLite file: the catalogue and custom profiles, conflicts,
assignments with locks, a site's chain down the tree, effective_many agreeing with
effective, the reports, and migration 0004 from empty and from a 0003 file with data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from bridge.profiles.inheritance import Level
from bridge.profiles.schema import Name, Profile, ProfileOverride, Summary
from bridge.store import Conflict, InvalidInput, NotFound, SiteLevel, Store
from bridge.store.engine import open_engine
from bridge.store.migrations import alembic_config

NAME = Name(vi="Hội trường tỉnh", en="Provincial hall")
SUMMARY = Summary(vi="Micrô trần", en="Ceiling array")
LOUD = Profile.model_validate({"microphone": {"gain_db": 6.0}, "display": {"layout": "grid"}})


def tree(store: Store) -> tuple[int, int, int, int]:
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    province = store.sites.create("Lào Cai", SiteLevel.PROVINCE, central.id)
    district = store.sites.create("Sa Pa", SiteLevel.DISTRICT, province.id)
    commune = store.sites.create("Tả Van", SiteLevel.COMMUNE, district.id)
    return central.id, province.id, district.id, commune.id


def test_built_ins_come_first_read_only_then_custom_ones(store: Store) -> None:
    listed = store.profiles.list()
    assert [p.id for p in listed] == ["laptop", "large-hall", "meeting-room", "tv-webcam"]
    assert all(p.builtin and p.created_at is None for p in listed)
    made = store.profiles.create("tinh", NAME, SUMMARY, LOUD, by="account:admin")
    assert not made.builtin and made.updated_by == "account:admin"
    assert [p.id for p in store.profiles.list()][-1] == "tinh"
    assert store.profiles.get("tinh") == made
    assert store.profiles.get("large-hall").builtin
    with pytest.raises(NotFound):
        store.profiles.get("nope")


def test_ids_must_follow_the_pattern_and_not_clash(store: Store) -> None:
    store.profiles.create("tinh", NAME, SUMMARY, LOUD)
    for taken in ("tinh", "laptop"):
        with pytest.raises(Conflict) as clash:
            store.profiles.create(taken, NAME, SUMMARY, LOUD)
        assert (clash.value.field, clash.value.problem) == ("id", "taken")
    with pytest.raises(InvalidInput) as bad:
        store.profiles.create("Có dấu", NAME, SUMMARY, LOUD)
    assert bad.value.field == "id"


def test_copy_update_and_delete(store: Store) -> None:
    copy = store.profiles.copy("large-hall", "hoi-truong")
    assert copy.copied_from == "large-hall" and copy.name.en.endswith("(copy)")
    assert copy.profile == store.profiles.get("large-hall").profile
    changed = store.profiles.update("hoi-truong", profile=LOUD, by="cli:x")
    assert changed.profile == LOUD and changed.name == copy.name and changed.updated_by == "cli:x"
    with pytest.raises(Conflict) as built_in:
        store.profiles.update("laptop", profile=LOUD)
    assert built_in.value.problem == "built_in"
    with pytest.raises(Conflict):
        store.profiles.delete("laptop")
    with pytest.raises(NotFound):
        store.profiles.update("nope", profile=LOUD)
    with pytest.raises(NotFound):
        store.profiles.copy("nope", "x")
    store.profiles.delete("hoi-truong")
    with pytest.raises(NotFound):
        store.profiles.delete("hoi-truong")


def test_a_profile_assigned_somewhere_is_not_deleted_and_the_sites_are_named(store: Store) -> None:
    _, province, _, commune = tree(store)
    store.profiles.create("tinh", NAME, SUMMARY, LOUD)
    store.profiles.assign(province, "tinh")
    store.profiles.assign(commune, "tinh")
    with pytest.raises(Conflict) as used:
        store.profiles.delete("tinh")
    assert used.value.problem == "in_use"
    assert used.value.params["site_ids"] == [province, commune]
    assert "Lào Cai" in str(used.value) and "Tả Van" in str(used.value)
    store.profiles.unassign(province)
    store.profiles.assign(commune, None)
    store.profiles.delete("tinh")


def test_assign_checks_the_site_the_profile_and_each_lock(store: Store) -> None:
    _, province, _, _ = tree(store)
    with pytest.raises(NotFound):
        store.profiles.assign(999, "laptop")
    with pytest.raises(InvalidInput) as unknown:
        store.profiles.assign(province, "nope")
    assert (unknown.value.field, unknown.value.problem) == ("profile_id", "not_found")
    with pytest.raises(InvalidInput) as lock:
        store.profiles.assign(province, "laptop", locked=["speaker", "display.nope"])
    assert (lock.value.field, lock.value.problem) == ("locked[1]", "not_found")
    with pytest.raises(InvalidInput) as twice:
        store.profiles.assign(province, "laptop", locked=["speaker", "speaker"])
    assert twice.value.field == "locked[1]"
    fields = ProfileOverride.model_validate({"speaker": {"volume": 0.5}})
    made = store.profiles.assign(province, "laptop", fields, ["speaker", "camera.width"])
    assert store.profiles.assignment(province) == made
    assert made.locked == ("camera.width", "speaker")
    assert store.profiles.unassign(province) is True
    assert store.profiles.unassign(province) is False
    assert store.profiles.assignment(province) is None


def test_the_chain_runs_from_the_top_down_to_the_site(store: Store) -> None:
    central, province, district, commune = tree(store)
    store.profiles.assign(province, "large-hall", locked=["microphone.gain_db"])
    chain = store.profiles.chain(commune)
    assert [(a.level, a.site_id) for a in chain] == [
        (Level.CENTRAL, central),
        (Level.PROVINCE, province),
        (Level.DISTRICT, district),
        (Level.COMMUNE, commune),
    ]
    assert chain[1].profile_id == "large-hall" and chain[1].locked == {"microphone.gain_db"}
    assert chain[0].profile is None and chain[3].profile is None
    with pytest.raises(NotFound):
        store.profiles.chain(999)


def test_a_province_lock_holds_for_a_commune_below_and_sources_are_named(store: Store) -> None:
    _, province, _, commune = tree(store)
    store.profiles.create("tinh", NAME, SUMMARY, LOUD)
    store.profiles.assign(province, "tinh", locked=["microphone.gain_db"])
    own = ProfileOverride.model_validate({"microphone": {"gain_db": -3.0}})
    store.profiles.assign(commune, "laptop", own)
    effective = store.profiles.effective(commune)
    gain = effective.fields["microphone.gain_db"]
    assert gain.value == 6.0 and effective.profile.microphone.gain_db == 6.0
    assert gain.source is not None and (gain.source.site_id, gain.source.profile_id) == (
        province,
        "tinh",
    )
    assert gain.locked_by is not None and gain.locked_by.site_id == province
    assert [(i.source.profile_id, i.value) for i in gain.ignored] == [("laptop", 0.0), (None, -3.0)]
    layout = effective.fields["display.layout"]
    assert layout.value == "full" and layout.source is not None
    assert layout.source.profile_id == "laptop"  # the nearest level wins where not locked
    # A change to the profile is seen at once.
    store.profiles.update("tinh", profile=Profile.model_validate({"microphone": {"gain_db": 2.0}}))
    assert store.profiles.effective(commune).profile.microphone.gain_db == 2.0


def test_effective_many_agrees_with_effective_site_by_site(store: Store) -> None:
    ids = list(tree(store))
    store.profiles.create("tinh", NAME, SUMMARY, LOUD)
    store.profiles.assign(ids[0], "meeting-room", locked=["display.clock"])
    store.profiles.assign(ids[1], "tinh", locked=["speaker"])
    store.profiles.assign(
        ids[2], None, ProfileOverride.model_validate({"speaker": {"volume": 0.2}})
    )
    store.profiles.assign(ids[3], "tv-webcam")
    many = store.profiles.effective_many(ids)
    assert many == {site_id: store.profiles.effective(site_id) for site_id in ids}
    with pytest.raises(NotFound):
        store.profiles.effective_many([999])


def test_reports_keep_the_last_one_per_site(store: Store) -> None:
    _, province, _, commune = tree(store)
    session = store.sessions.create("Giao ban", province, [province, commune])
    store.profile_reports.save_report(province, session.id, 1, {"applied": {"a": 1}})
    store.profiles.save_report(province, session.id, 2, {"applied": {"a": 2}})
    reports = store.profile_reports.reports([province, commune])
    assert list(reports) == [province]
    assert (reports[province].revision, reports[province].report) == (2, {"applied": {"a": 2}})
    assert store.profiles.reports([commune]) == {}


def test_a_0003_file_with_data_is_upgraded_and_downgrades_back(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    engine = open_engine(db_path, foreign_keys=False, pooled=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0003")
    engine.dispose()
    created = "2025-03-01 07:00:00.000000"
    with sqlite3.connect(db_path) as raw:
        raw.executescript(
            f"""
            INSERT INTO sites VALUES (1, 'Trung ương', 'central', NULL, '{created}');
            INSERT INTO sites VALUES (2, 'Hà Nội', 'province', 1, '{created}');
            INSERT INTO sessions VALUES (1, 'Giao ban', 1, 'open', '{created}', NULL);
            INSERT INTO roster VALUES (1, 1, 0), (1, 2, 1);
            INSERT INTO live_state VALUES (1, '{{"x": 1}}', '{created}');
            """
        )
    with Store(db_path) as store:
        assert [s.name for s in store.sites.list()] == ["Trung ương", "Hà Nội"]
        assert store.sessions.get(1).roster == (1, 2)
        saved = store.live_state.get(1)
        assert saved is not None and saved.snapshot == {"x": 1}
        assert store.profiles.assignment(2) is None
        assert [p.id for p in store.profiles.list() if not p.builtin] == []
        store.profiles.assign(2, "large-hall", locked=["speaker"])
        assert store.profiles.effective(2).fields["speaker.volume"].locked_by is not None
    engine = open_engine(db_path, foreign_keys=False)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")
    engine.dispose()
    with sqlite3.connect(db_path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    assert not tables & {"profiles", "profile_assignments", "profile_reports"}
    assert "live_state" in tables


def test_profiles_many_gives_each_sites_effective_profile_as_effective_does(tmp_path):
    """The live layer's read: the same profiles as ``effective``, one resolution per chain
    of assignments."""
    from bridge.profiles.schema import ProfileOverride
    from bridge.store import SiteLevel, Store

    store = Store(tmp_path / "p.sqlite3")
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    province = store.sites.create("Tỉnh Lào Cai", SiteLevel.PROVINCE, central.id)
    other = store.sites.create("Tỉnh Cà Mau", SiteLevel.PROVINCE, central.id)
    commune = store.sites.create("Xã Tả Van", SiteLevel.COMMUNE, province.id)
    store.profiles.assign(central.id, "large-hall", locked=["speaker"])
    store.profiles.assign(
        province.id, None, ProfileOverride.model_validate({"display": {"clock": False}})
    )
    ids = [central.id, province.id, other.id, commune.id]
    many = store.profiles.profiles_many(ids)
    assert many == {i: store.profiles.effective(i).profile for i in ids}
    assert many[commune.id].display.clock is False and many[other.id].display.clock is True
