"""Every sample event becomes the expected Record; odd and exported shapes are read defensively."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forwarder.normalize import REDACTED, Kind, Lifecycle, Severity, normalize
from forwarder.normalize.timeparse import parse_time
from tests.conftest import events_of, sample, sample_bytes

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"


def test_bucket_public_critical_problem():
    r = normalize(sample(PROBLEM))
    assert r.event_id == "1642b454-eeee-aaaa-aaa-783803f83134"
    assert r.event_type == "com.oraclecloud.cloudguard.problemdetected"
    assert r.kind is Kind.PROBLEM
    assert r.lifecycle is Lifecycle.DETECTED
    assert r.time == datetime(2021, 8, 28, 16, 37, 59, tzinfo=UTC)
    assert (r.risk_level, r.severity) == ("CRITICAL", Severity.CRITICAL)
    assert r.title == "Bucket is public"
    assert r.description.startswith("Object Storage supports anonymous")
    assert r.recommendation.startswith("Ensure that the bucket is sanctioned")
    assert r.problem_id.startswith("ocid1.cloudguardproblem.oc1.iad.")
    assert (r.problem_name, r.problem_type, r.status) == ("BUCKET_IS_PUBLIC", "CONFIG_CHANGE", "OPEN")
    assert r.labels == ["CIS_OCI_V1.1_OBJECTSTORAGE", "ObjectStorage"]
    assert (r.resource.name, r.resource.id, r.resource.type) == ("Bucket", "tenancy/Bucket", "Bucket")
    assert r.impacted_resource.id is None
    assert (r.compartment_name, r.region) == ("Comp-Name", "us-phoenix-1")
    assert r.compartment_id.startswith("ocid1.compartment.oc1..")
    assert r.tenancy_id.startswith("ocid1.tenancy.oc1..")
    assert r.target_id.startswith("ocid1.cloudguardtarget.")
    assert (r.first_detected, r.last_detected) == ("2021-08-28T16:37:36.945Z", "2021-08-28T16:37:36.945Z")
    assert r.original["data"]["resourceName"] == "Bucket is public"


def test_dhcp_problem_has_impacted_resource_and_labels():
    r = normalize(sample("cloudguard-problemdetected-dhcp-option-medium.json"))
    assert (r.risk_level, r.severity, r.problem_type) == ("MEDIUM", Severity.MEDIUM, "ACTIVITY")
    assert (r.resource.name, r.resource.type) == ("alien@mars.planet", "User")
    assert (r.impacted_resource.name, r.impacted_resource.id, r.impacted_resource.type) == (
        "Default DHCP Options for VCN4",
        "ocid1.dhcpoptions.oc1.iad.aaaaaaa",
        "DHCP",
    )
    assert r.labels == ["CIS_OCI_V1.1_MONITORING", "Network", "CIS_OCI_V1.0_MONITORING"]


def test_mixed_case_risk_missing_event_id_and_list_like_details():
    event = sample("cloudguard-problemdetected-host-vulnerability-high-mixedcase-no-eventid.json")
    r = normalize(copy.deepcopy(event))
    assert (r.risk_level, r.severity) == ("HIGH", Severity.HIGH)
    assert r.lifecycle is Lifecycle.UPDATED  # "Existing Problem updated by CloudGuard"
    assert r.event_id.startswith("sha256:") and r.event_id == normalize(copy.deepcopy(event)).event_id
    assert r.compartment_id.startswith("ocid1.compartment.")  # no extensions: from data
    assert r.details["Critical CVEs"][:2] == ["CVE-2021-45046", "CVE-2019-9169"]
    assert len(r.details["Critical CVEs"]) == 16 and r.details["Number of Critical CVEs"] == "16"
    assert r.details["Low CVEs"] == ["CVE-2020-7020", "CVE-2021-22136"]
    assert r.labels == ["VSS"]


def test_security_list_problem_details_map():
    r = normalize(sample("cloudguard-problemdetected-security-list-medium.json"))
    assert r.details == {
        "vcnId": "ocid1.vcn.oc1.iad.1q2w3e1q2w3e1q2w3e1q2w3e1q2w3e1q2w3e1q2w3e1q2w3e1q2w3e1q2w3e",
        "vcnDisplayName": "NewCIS-0-vcn",
    }
    assert r.title == "VCN has no inbound Security List"


def test_suspicious_ip_updated_critical():
    r = normalize(sample("cloudguard-problemdetected-suspicious-ip-critical-updated.json"))
    assert (r.lifecycle, r.severity, r.labels) == (Lifecycle.UPDATED, Severity.CRITICAL, ["CIS 3.0", "Network"])
    assert (r.impacted_resource.name, r.impacted_resource.type) == ("10.18.4.40", "Denylist")
    assert r.details == {"Event Name": "ListPreferences"}


def test_audit_service_event_from_events_service():
    r = normalize(sample("audit-objectstorage-createbucket-public.json"), default_region="eu-frankfurt-1")
    assert (r.kind, r.severity, r.lifecycle, r.risk_level) == (Kind.AUDIT, Severity.INFO, None, None)
    assert r.event_id == "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    assert (r.principal.name, r.principal.ip, r.principal.auth_type) == (
        "jane.doe@example.com",
        "198.51.100.24",
        "natv",
    )
    assert r.principal.user_agent == "Oracle-PythonSDK/2.189.0"
    assert (r.request_action, r.request_path, r.response_status) == ("POST", "/n/exampletenancy/b/", "200")
    assert (r.resource.name, r.resource.id) == ("customer-exports", "/n/exampletenancy/b/customer-exports/")
    assert r.details["publicAccessType"] == "ObjectRead"
    assert r.region == "eu-frankfurt-1"  # the event names none: the function's region
    assert r.time == datetime(2026, 3, 2, 9, 14, 21, 512000, tzinfo=UTC)


def test_connector_hub_audit_batch_is_parsed_and_redacted():
    events = events_of(sample_bytes("audit-batch-listevents.json"))
    assert len(events) == 1
    r = normalize(events[0])
    assert (r.kind, r.event_id, r.event_type) == (
        Kind.AUDIT,
        "93e7a143-650b-4632-8a53-a464f45ee3c5",
        "com.oraclecloud.Audit.ListEvents",
    )
    assert (r.title, r.principal.name, r.principal.ip) == ("ListEvents succeeded", "audit-reader", "203.0.113.37")
    assert (r.request_action, r.request_path, r.response_status) == ("GET", "/20190901/auditEvents", "200")
    assert r.compartment_name == "sandbox-beyond-cust-1"
    # The tenancy the event happened in (oracle.tenantid), not the cross-tenancy caller's (identity.tenantId).
    assert r.tenancy_id == "ocid1.tenancy.oc1..aaaaaaaaslaq5synueyzouxaimk3szzf66iw6od7xyiam5myn4lqhcsfu5fq"
    data = r.original["data"]
    assert data["identity"]["credentials"] == REDACTED
    assert data["request"]["headers"]["Authorization"] == [REDACTED]
    assert data["request"]["headers"]["Accept"] == ["application/json"]
    text = json.dumps(r.to_dict())
    assert "56:71:3c:43" not in text and "Signature headers" not in text


@pytest.mark.parametrize(
    "suffix, reason, lifecycle",
    [
        ("problemdetected", "New Problem detected by CloudGuard", Lifecycle.DETECTED),
        ("ProblemDetected", "Existing Problem updated by CloudGuard", Lifecycle.UPDATED),
        ("problemdismissed", None, Lifecycle.DISMISSED),
        ("PROBLEMREMEDIATED", None, Lifecycle.REMEDIATED),
        ("problemthresholdreached", None, Lifecycle.THRESHOLD_REACHED),
    ],
)
def test_every_problem_type_case_insensitive(suffix, reason, lifecycle):
    event = sample(PROBLEM)
    event["eventType"] = "com.oraclecloud.CloudGuard." + suffix
    event["data"]["additionalDetails"]["reason"] = reason
    event["data"]["additionalDetails"]["riskLevel"] = "cRiTiCaL"
    r = normalize(event)
    assert (r.kind, r.lifecycle, r.risk_level) == (Kind.PROBLEM, lifecycle, "CRITICAL")


def test_null_identity_request_response_and_camelcase_audit_type():
    event = {
        "specversion": "1.0",
        "type": "com.oraclecloud.identityControlPlane.UploadApiKey",
        "id": "x1",
        "time": "2024-5-24T3:04:05.5Z",
        "oracle": {"loggroupid": "_Audit", "tenantid": "ocid1.tenancy.oc1..t"},
        "data": {"identity": None, "request": None, "response": None, "eventName": "UploadApiKey"},
    }
    r = normalize(event)
    assert (r.kind, r.title, r.tenancy_id) == (Kind.AUDIT, "UploadApiKey", "ocid1.tenancy.oc1..t")
    assert r.principal.name is None and r.request_path is None and r.response_status is None
    assert r.time == datetime(2024, 5, 24, 3, 4, 5, 500000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2021-08-28T16:37:59Z", datetime(2021, 8, 28, 16, 37, 59, tzinfo=UTC)),
        ("2024-5-24T10:00:00.123456789+02:00", datetime(2024, 5, 24, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-24", datetime(2024, 5, 24, tzinfo=UTC)),
        (1700000000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("not a date", None),
        ("2024-13-40T00:00:00Z", None),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_lenient_time(value, expected):
    assert parse_time(value) == expected


def test_malformed_times_are_kept_raw():
    event = sample(PROBLEM)
    event["eventTime"] = "yesterday"
    event["data"]["additionalDetails"]["firstDetected"] = "2021-13-99"
    r = normalize(event)
    assert (r.time, r.time_raw, r.first_detected) == (None, "yesterday", "2021-13-99")
    assert r.to_dict()["time"] == "yesterday"


def test_unknown_shapes_become_other_records():
    r = normalize({"eventType": "com.oraclecloud.cloudguard.announcements", "data": "oops", "eventID": 7})
    assert (r.kind, r.event_id, r.title) == (Kind.OTHER, "7", "com.oraclecloud.cloudguard.announcements")
    odd = normalize({"eventType": "com.oraclecloud.cloudguard.problemdetected", "data": {"additionalDetails": "x"}})
    assert (odd.kind, odd.risk_level, odd.labels, odd.details) == (Kind.PROBLEM, None, [], {})
    wrong = normalize(
        {
            "eventType": "com.oraclecloud.cloudguard.problemdetected",
            "data": {"additionalDetails": {"riskLevel": 5, "labels": 3}},
        }
    )
    assert (wrong.risk_level, wrong.severity, wrong.labels) == ("5", Severity.INFO, [])


def test_a_python_export_is_repaired_and_its_credentials_redacted():
    (event,) = events_of(sample_bytes("audit-python-export-updatepolicy.json"))
    r = normalize(event)
    assert (r.kind, r.event_id, r.title, r.description) == (
        Kind.AUDIT,
        "d2c9a6b1-export-0001",
        "UpdatePolicy succeeded",
        "UpdatePolicy succeeded",
    )
    assert r.principal.ip == "198.51.100.7"  # the client; the proxy that added 10.0.4.12 stays in the original
    assert r.principal.name == "audit-reader" and r.principal.id.startswith("ocid1.user.")
    assert (r.request_action, r.response_status, r.resource.name) == ("PUT", "200", "secops-admins")
    data = r.original["data"]
    # JSON text became objects; "None" became null; credentials inside the decoded headers are redacted.
    assert data["request"]["headers"]["Authorization"] == [REDACTED] and data["request"]["headers"]["Accept"]
    assert data["response"]["headers"]["Set-Cookie"] == [REDACTED]
    assert data["request"]["parameters"] == {"policyId": ["ocid1.policy.oc1..aaaaaaaaexamplepolicy"]}
    assert data["stateChange"]["current"]["statements"] == ["Allow group secops to manage all-resources in tenancy"]
    assert (data["definedTags"], data["response"]["payload"], data["identity"]["callerId"]) == (None, None, "None")
    assert r.original["data"]["identity"]["credentials"] == REDACTED
    text = json.dumps(r.to_dict())
    assert "Signature headers" not in text and "abc123secret" not in text and "56:71:3c:43" not in text


def test_none_strings_are_absent_values_in_the_record():
    event = sample("audit-objectstorage-createbucket-public.json")
    event["data"]["compartmentName"] = "None"
    event["data"]["identity"]["userAgent"] = "None"
    event["data"]["identity"] = json.dumps(event["data"]["identity"])  # the whole section as JSON text
    r = normalize(event)
    assert r.compartment_name is None and r.principal.user_agent is None
    assert r.principal.name == "jane.doe@example.com"


def test_headers_that_stay_text_but_name_a_credential_are_replaced_whole():
    event = sample("audit-objectstorage-createbucket-public.json")
    event["data"]["request"]["headers"] = "{'Authorization': ['Signature keyId=\"x\"'], 'Date': now()}"  # no literal
    r = normalize(event)
    assert r.original["data"]["request"]["headers"] == REDACTED


def test_sections_written_as_a_python_repr_are_read_and_redacted():
    event = sample("audit-objectstorage-createbucket-public.json")
    identity = {**event["data"]["identity"], "credentials": "ocid1.tenancy.oc1..t/ocid1.user.oc1..u/aa:bb", "x": None}
    event["data"]["identity"] = repr(identity)
    event["data"]["request"]["headers"] = repr({"Authorization": ['Signature keyId="x"'], "Accept": ["*/*"]})
    r = normalize(event)
    assert r.principal.name == "jane.doe@example.com" and r.principal.auth_type == "natv"
    assert r.original["data"]["identity"]["credentials"] == REDACTED and r.original["data"]["identity"]["x"] is None
    assert r.original["data"]["request"]["headers"] == {"Authorization": [REDACTED], "Accept": ["*/*"]}


def test_header_lists_of_pairs_and_of_name_value_objects_are_redacted():
    event = sample("audit-objectstorage-createbucket-public.json")
    event["data"]["request"]["headers"] = [["AUTHORIZATION", "Bearer tok-1234567890"], ["Accept", "*/*"]]
    event["data"]["response"]["headers"] = [{"Name": "opc-principal", "Value": "p"}, {"name": "Date", "value": "d"}]
    r = normalize(event)
    assert r.original["data"]["request"]["headers"] == [["AUTHORIZATION", REDACTED], ["Accept", "*/*"]]
    assert r.original["data"]["response"]["headers"] == [
        {"Name": "opc-principal", "Value": REDACTED},
        {"name": "Date", "value": "d"},
    ]


def test_an_identity_that_stays_text_and_names_credentials_is_replaced_whole():
    event = sample("audit-objectstorage-createbucket-public.json")
    event["data"]["identity"] = "authType=natv credentials=ocid1.tenancy.oc1..t/ocid1.user.oc1..u/aa:bb"
    assert normalize(event).original["data"]["identity"] == REDACTED


def test_type_problems_names_every_mistyped_field_in_order():
    from forwarder.normalize import type_problems

    event = {
        "eventType": 1,
        "eventID": ["x"],
        "eventTime": {},
        "data": {
            "additionalDetails": {"riskLevel": 3, "labels": {"a": 1}, "problemAdditionalDetails": "[a]"},
            "identity": "me",
            "request": [],
            "response": True,
        },
    }
    assert type_problems(event) == [
        "eventType is a number, expected a string",
        "eventID is an array, expected a string",
        "eventTime is an object, expected a string",
        "data.additionalDetails.riskLevel is a number, expected a string",
        "data.additionalDetails.labels is an object, expected a string",
        "data.additionalDetails.problemAdditionalDetails is a string, expected an object",
        "data.identity is a string, expected an object or null",
        "data.request is an array, expected an object or null",
        "data.response is a boolean, expected an object or null",
    ]
    assert type_problems({"data": 7}) == ["data is a number, expected an object"]
    assert type_problems({"data": {"additionalDetails": None, "identity": None}}) == []


@settings(max_examples=400, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    digits=st.integers(0, 9),
    mangle=st.sampled_from(["", "month", "hour", "zone", "second"]),
)
def test_the_canonical_time_fast_path_gives_what_the_general_parser_gives(moment, digits, mangle):
    from forwarder.normalize.record import iso_utc
    from forwarder.normalize.timeparse import canonical_time, parse_lenient

    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}"[: digits + 1] if digits else "") + "Z"
    if mangle == "month":
        text = text[:5] + "13" + text[7:]  # out of range: both say None
    elif mangle == "hour":
        text = text[:11] + "24" + text[13:]
    elif mangle == "second":
        text = text[:17] + "60" + text[19:]
    elif mangle == "zone":
        text = text[:-1] + "+02:00"  # another shape: the fast path declines, the general parser decides
    fast = canonical_time(text)
    general = parse_lenient(text)
    if fast is None:
        assert mangle == "zone" or general is None, text
    else:
        assert fast == (general, iso_utc(general)), text
