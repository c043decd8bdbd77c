"""A stand-in for the oracle/oci Terraform provider, so the real terraform binary can validate, plan and
apply terraform/ here, where the provider cannot be downloaded.

It serves the provider's own schema for the types the module uses (oci-provider-schema.json, read from
oracle/terraform-provider-oci v6.37.0): terraform itself then checks every argument name, type, nested
block and conditional, sensitivity and precondition. It follows two behaviours of the real service:
- IAM resources (dynamic groups, policies) can only be written through a provider configured for the
  tenancy's home region (oracle/terraform-provider-oci#1596): given OCI_STAND_IN_HOME_REGION, a write
  anywhere else fails at apply as the API does.
- computed attributes get values at apply (OCIDs, the namespace), unknown at plan; optional+computed
  attributes the configuration leaves out stay null.
Every resource it creates is appended to OCI_STAND_IN_LOG (JSON lines: type, region, values), so tests
can check what would be applied. Run by terraform through `dev_overrides` (see tests/test_terraform.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from tf import schema as s
from tf import types as t
from tf.gen import tfplugin_pb2 as pb
from tf.iface import Provider
from tf.runner import run_provider

SCHEMA = json.loads((Path(__file__).with_name("oci-provider-schema.json")).read_text())
IAM_TYPES = {"oci_identity_dynamic_group", "oci_identity_policy"}
NAMESPACE = "standinnamespace"


class Block(s.NestedBlock):
    """A nested block with the nesting mode SDKv2 gives it: LIST for TypeList, SET for TypeSet, SINGLE for timeouts."""

    MODES = {
        "TypeList": pb.Schema.NestedBlock.NestingMode.LIST,
        "TypeSet": pb.Schema.NestedBlock.NestingMode.SET,
        "Timeouts": pb.Schema.NestedBlock.NestingMode.SINGLE,
    }

    def __init__(self, name: str, spec: dict[str, Any]):
        # helper/schema: MinItems of an Optional block is ignored; a Required block needs at least one.
        low = 0 if spec.get("optional") else max(spec.get("minitems", 0), 1)
        super().__init__(name, s.NestMode.Single, block(spec["block"]), min_items=low, max_items=spec.get("maxitems"))
        self.mode = self.MODES[spec["type"]]

    def to_pb(self) -> pb.Schema.NestedBlock:
        return pb.Schema.NestedBlock(
            type_name=self.type_name,
            block=self.block.to_pb(),
            nesting=self.mode,
            min_items=self.min_items,
            max_items=self.max_items,
        )

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, value: Any) -> Any:
        return value

    def semantically_equal(self, a: Any, b: Any) -> bool:
        return a == b


def tf_type(spec: dict[str, Any]) -> t.TfType:
    scalar = {"TypeString": t.String, "TypeInt": t.Number, "TypeFloat": t.Number, "TypeBool": t.Bool}
    if spec["type"] in scalar:
        return scalar[spec["type"]]()
    element = scalar[spec.get("elem", "TypeString")]()
    return {"TypeMap": t.Map, "TypeList": t.List, "TypeSet": t.Set}[spec["type"]](element)


def block(attributes: dict[str, dict]) -> s.Block:
    """helper/schema's core schema: Optional/Required lists of objects are blocks; computed-only ones are
    left out (the module never reads them)."""
    attrs, blocks = [], []
    for name, spec in sorted(attributes.items()):
        if "block" in spec:
            if spec.get("required") or spec.get("optional"):
                blocks.append(Block(name, spec))
            continue
        attrs.append(
            s.Attribute(
                name,
                tf_type(spec),
                required=spec.get("required"),
                optional=spec.get("optional"),
                computed=spec.get("computed"),
                sensitive=spec.get("sensitive"),
            )
        )
    return s.Block(attributes=attrs, block_types=blocks)


def stand_in_value(type_name: str, attribute: s.Attribute, values: dict[str, Any], region: str) -> Any:
    """A plausible value for a computed attribute at apply."""
    if attribute.name == "namespace":
        return NAMESPACE
    if isinstance(attribute.type, t.String):
        digest = hashlib.sha256(json.dumps([type_name, str(sorted(values.items()))]).encode()).hexdigest()[:20]
        kind = type_name.removeprefix("oci_").replace("_", "")
        return f"ocid1.{kind}.oc1.{region}.standin{digest}" if attribute.name.endswith("id") else "stand-in"
    if isinstance(attribute.type, t.Number):
        return 0
    if isinstance(attribute.type, t.Bool):
        return False
    return {} if isinstance(attribute.type, t.Map) else []


def resource_type(type_name: str, spec: dict[str, Any], data: bool):
    whole = block(spec["schema"])
    whole.attributes.append(s.Attribute("id", t.String(), optional=not data, computed=True))
    schema = s.Schema(attributes=whole.attributes, block_types=whole.block_types)

    class StandIn:
        def __init__(self, provider: StandInProvider):
            self.provider = provider

        @classmethod
        def get_name(cls) -> str:
            return type_name.removeprefix("oci_")

        @classmethod
        def get_schema(cls) -> s.Schema:
            return schema

        def validate(self, diags, type_name_, config) -> None:
            pass  # terraform validated the configuration against the schema already

        def _filled(self, values: dict[str, Any]) -> dict[str, Any]:
            """Computed values the service sets: computed-only attributes (and ids) get one; optional+computed
            ones the configuration left out stay empty, as the service leaves what it was not asked for."""
            out = dict(values)
            for attribute in schema.attributes:
                missing = out.get(attribute.name) is t.Unknown or out.get(attribute.name) is None
                if attribute.computed and missing:
                    given = attribute.name == "id" or not attribute.optional
                    out[attribute.name] = (
                        stand_in_value(type_name, attribute, values, self.provider.region) if given else None
                    )
            return out

        def create(self, ctx, planned: dict[str, Any]) -> dict[str, Any]:
            home = os.environ.get("OCI_STAND_IN_HOME_REGION")
            if type_name in IAM_TYPES and home and self.provider.region != home:
                ctx.diagnostics.add_error(
                    f"404-NotAuthorizedOrNotFound: {type_name} written in {self.provider.region}",
                    f"IAM resources can only be written in the home region ({home}); use a provider for it.",
                )
                return None
            state = self._filled(planned)
            log = os.environ.get("OCI_STAND_IN_LOG")
            if log:
                record = {"type": type_name, "region": self.provider.region, "values": state}
                with open(log, "a") as handle:
                    handle.write(json.dumps(record, default=str) + "\n")
            return state

        def read(self, ctx, current: dict[str, Any]) -> dict[str, Any]:
            return self._filled(current) if data else current

        def update(self, ctx, current: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
            return self._filled(planned)

        def delete(self, ctx, current: dict[str, Any]) -> None:
            return None

        def plan(self, ctx, current, planned: dict[str, Any]) -> dict[str, Any]:
            return planned

    return StandIn


class StandInProvider(Provider):
    def __init__(self):
        self.region = "unconfigured"

    def get_model_prefix(self) -> str:
        return "oci_"

    def full_name(self) -> str:
        return "registry.terraform.io/oracle/oci"

    def get_provider_schema(self, diags) -> s.Schema:
        provider = block(SCHEMA["provider"]["schema"])
        return s.Schema(attributes=provider.attributes, block_types=provider.block_types)

    def validate_config(self, diags, config) -> None:
        pass

    def configure_provider(self, diags, config) -> None:
        self.region = config.get("region") or "unconfigured"

    def get_resources(self) -> list:
        return [resource_type(name, spec, data=False) for name, spec in SCHEMA["resources"].items()]

    def get_data_sources(self) -> list:
        return [resource_type(name, spec, data=True) for name, spec in SCHEMA["data_sources"].items()]


if __name__ == "__main__":
    run_provider(StandInProvider(), sys.argv)
