"""--format sarif: valid against the official SARIF 2.1.0 schema and shaped as GitHub code
scanning needs it (all four region fields, rule help, stable ids, repository-relative URIs)."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

from kefix.model import Location, Severity
from kefix.report.records import FindingRecord
from kefix.report.sarif import sarif_report
from kefix.rules import DIAGNOSTICS, RULES

ROOT = Path(__file__).resolve().parent.parent
DEEPKE = ROOT / "fixtures" / "deepke"
SCHEMA_FILE = ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
OASIS_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=FormatChecker())


def schema_errors(validator: Draft4Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def kefix_sarif(*args: str, cwd: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "kefix", "--format", "sarif", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture
def deepke(tmp_path: Path) -> Path:
    target = tmp_path / "deepke"
    shutil.copytree(DEEPKE, target)
    return target


def test_the_vendored_schema_is_the_oasis_one() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == OASIS_SHA256


def test_dry_run_output_is_valid_sarif(validator: Draft4Validator, deepke: Path) -> None:
    document = kefix_sarif("ft_scripts", cwd=deepke)
    assert schema_errors(validator, document) == []
    assert len(document["runs"][0]["results"]) == 3


def test_apply_output_with_unreadable_files_is_valid_sarif(
    validator: Draft4Validator, deepke: Path
) -> None:
    (deepke / "ft_scripts" / "gone.sh").symlink_to(deepke / "missing.sh")
    document = kefix_sarif("--apply", "ft_scripts", cwd=deepke)
    assert schema_errors(validator, document) == []
    results = document["runs"][0]["results"]
    gone = next(r for r in results if r["ruleId"] == "KF902")
    assert gone["level"] == "warning"
    assert gone["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "ft_scripts/gone.sh"
    )


def test_the_validator_rejects_what_github_would(validator: Draft4Validator, deepke: Path) -> None:
    document = kefix_sarif("ft_scripts", cwd=deepke)
    broken = copy.deepcopy(document)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert schema_errors(validator, broken)
    broken = copy.deepcopy(document)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert schema_errors(validator, broken)


def test_every_rule_is_described_with_help(deepke: Path) -> None:
    driver = kefix_sarif("ft_scripts", cwd=deepke)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("kefix", "0.1.0")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == [rule.code for rule in RULES] + sorted(DIAGNOSTICS)
    severities = {rule.code: rule.severity.value for rule in RULES}
    for descriptor in driver["rules"]:
        for field in ("shortDescription", "fullDescription"):
            assert 0 < len(descriptor[field]["text"]) <= 1024, descriptor["id"]
        assert descriptor["help"]["text"].startswith("## What it does\n")
        assert descriptor["help"]["markdown"].startswith(
            f"# {descriptor['name']} ({descriptor['id']})\n\n## What it does\n"
        )
        if descriptor["id"] in severities:
            assert descriptor["defaultConfiguration"]["level"] == severities[descriptor["id"]]
    kf001 = driver["rules"][ids.index("KF001")]
    assert kf001["name"] == "strategy-mismatch"
    # The rule's one-line summary is the short description; its docs are the full one.
    assert kf001["shortDescription"]["text"] == (
        "`load_best_model_at_end` with eval strategy ≠ save strategy (transformers raises)"
    )
    assert kf001["fullDescription"]["text"].startswith(
        "Checks that a launch which loads the best model at the end evaluates and saves"
    )


def test_results_have_all_region_fields_and_point_at_their_rule(deepke: Path) -> None:
    run = kefix_sarif("ft_scripts", cwd=deepke)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    first = run["results"][0]
    assert first["ruleId"] == rules[first["ruleIndex"]]["id"] == "KF001"
    assert first["level"] == "error"
    assert first["message"]["text"] == (
        "load_best_model_at_end=True needs matching strategies, but eval_strategy is 'no' and "
        "save_strategy is 'epoch'; transformers raises ValueError at start-up\n"
        "note: load_best_model_at_end=True comes from dataclass default, src/utils/args.py:14"
    )
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "ft_scripts/fine_baichuan.bash"},
                "region": {"startLine": 23, "startColumn": 5, "endLine": 23, "endColumn": 31},
            }
        }
    ]
    assert first["fixes"][0]["artifactChanges"][0]["replacements"] == [
        {
            "deletedRegion": {"startLine": 24, "startColumn": 28, "endLine": 24, "endColumn": 28},
            "insertedContent": {"text": " \\\n    --load_best_model_at_end False"},
        }
    ]
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert result["ruleId"] == rules[result["ruleIndex"]]["id"]


def test_uris_are_relative_to_the_repository_root(deepke: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=deepke, check=True)
    run = kefix_sarif(".", cwd=deepke / "ft_scripts")["runs"][0]
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in run["results"]
    }
    assert uris == {"ft_scripts/fine_baichuan.bash", "ft_scripts/fine_chatglm.bash"}


def test_uris_are_percent_encoded_and_multiline_regions_are_kept(
    validator: Draft4Validator,
) -> None:
    record = FindingRecord(
        code="KF003",
        name="broken-continuation",
        severity=Severity.ERROR,
        message="flags cut off",
        file="my scripts/run #1.sh",
        start=Location(3, 5),
        end=Location(5, 1),
        origin="",
        transformers=("5.25.0",),
    )
    document = sarif_report([record], None)
    assert schema_errors(validator, document) == []
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20scripts/run%20%231.sh"
    assert location["region"] == {"startLine": 3, "startColumn": 5, "endLine": 5, "endColumn": 1}
