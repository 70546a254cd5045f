"""The models are records of their own kind: compared only with their kind, never mistaken for tuples."""

from __future__ import annotations

import json
import pickle
from zoneinfo import ZoneInfo

import msgspec
import pytest

from newsletter import models
from newsletter.models import Lines, Link, Location, Settings, Speaker


def test_two_kinds_with_the_same_values_are_not_equal():
    assert Link("a", "b") != Speaker("a", "b")
    assert Location("Hall") != ("Hall", None, None, None)


def test_a_model_is_not_written_as_a_list_by_mistake():
    with pytest.raises(TypeError):
        json.dumps(Location("Hall"))
    with pytest.raises(TypeError):
        name, address, url, notes = Location("Hall")  # noqa: F841 - not a tuple to unpack


def test_settings_share_no_mutable_default_and_can_be_hashed():
    one = Settings(name="A", timezone=ZoneInfo("UTC"))
    other = Settings(name="A", timezone=ZoneInfo("UTC"))
    assert not hasattr(one.lines, "__setitem__")  # the default both share cannot be changed through either
    assert hash(one) == hash(other) and one == other
    placed = msgspec.structs.replace(one, lines=Lines({"name": 3}))
    assert placed == one and hash(placed) == hash(one)  # where a setting was written is not what it is
    assert placed.lines.get("name") == 3 and one.lines.get("name") is None


def test_every_model_is_a_frozen_record_that_survives_the_cache():
    found = [value for value in vars(models).values()
             if isinstance(value, type) and value.__module__ == models.__name__ and issubclass(value, msgspec.Struct)]
    assert len(found) >= 15
    for kind in found:
        assert kind.__struct_config__.frozen, kind
    location = Location("Hall", "1 Main St")
    assert not hasattr(location, "__dict__")  # its fields only, as in slots
    assert pickle.loads(pickle.dumps(location)) == location
    with pytest.raises(AttributeError):
        location.name = "Other"  # type: ignore[misc]


def test_no_record_of_the_package_is_a_tuple():
    """Problems, mailing services and earlier sends are records too: a Problem is not equal to the tuple of its
    values, survives the parse cache, and no class anywhere in newsletter is a NamedTuple."""
    import importlib
    import pkgutil

    import newsletter
    from newsletter.errors import Problem

    problem = Problem("events/a.md", 3, "start", "not a date")
    assert problem != ("events/a.md", 3, "start", "not a date")
    assert pickle.loads(pickle.dumps(problem)) == problem and hash(problem) == hash(pickle.loads(pickle.dumps(problem)))
    with pytest.raises(TypeError):
        json.dumps(problem)
    tuples = []
    for module in pkgutil.walk_packages(newsletter.__path__, "newsletter."):
        if module.name == "newsletter.__main__":
            continue  # runs the command line
        loaded = importlib.import_module(module.name)
        tuples += [f"{module.name}.{name}" for name, value in vars(loaded).items()
                   if isinstance(value, type) and value.__module__ == module.name and issubclass(value, tuple)]
    assert tuples == []
