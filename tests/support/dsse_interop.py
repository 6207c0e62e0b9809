"""Third-party checks of tollgate's DSSE envelopes (tests/cli/vsa.rs runs this).

    python dsse_interop.py ENVELOPE.intoto.jsonl MINISIGN.pub

- securesystemslib (PyPI, the Python Secure Systems Library) verifies the DSSE signature
  with an Ed25519 key converted here from the minisign public key file;
- in-toto-attestation (PyPI, the in-toto project's official bindings) parses and validates
  the in-toto Statement v1, and parses the predicate with its SLSA VSA v1 or SLSA
  Provenance v1 protobuf message.

Prints a JSON summary on stdout; exits 1 with the reason on any failure.
"""

import base64
import json
import struct
import sys

from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.predicates.vsa.v1 import vsa_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

VSA = "https://slsa.dev/verification_summary/v1"
PROVENANCE = "https://slsa.dev/provenance/v1"


def minisign_to_sslib(pub_path):
    """A minisign public key file -> (keyid as minisign prints it, SSlibKey).

    The key line is base64 of: algorithm "Ed" (2 bytes), key id (8 bytes, little-endian),
    Ed25519 public key (32 bytes)."""
    with open(pub_path, encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("untrusted comment:")]
    blob = base64.b64decode(lines[0])
    if len(blob) != 42 or blob[:2] != b"Ed":
        raise ValueError(f"{pub_path}: not a minisign Ed25519 public key")
    keyid = "%016X" % struct.unpack("<Q", blob[2:10])[0]
    key = SSlibKey(keyid, "ed25519", "ed25519", {"public": blob[10:42].hex()})
    return keyid, key


def main(envelope_path, pub_path):
    keyid, key = minisign_to_sslib(pub_path)
    with open(envelope_path, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    if len(lines) != 1:
        raise ValueError(f"expected one JSON line, found {len(lines)}")
    envelope = Envelope.from_dict(json.loads(lines[0]))
    accepted = envelope.verify([key], 1)  # raises VerificationError when no signature verifies
    if envelope.payload_type != "application/vnd.in-toto+json":
        raise ValueError(f"payloadType {envelope.payload_type}")

    statement = json.loads(envelope.payload)
    pb = json_format.ParseDict(statement, statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()

    summary = {
        "verified_keyids": sorted(accepted),
        "minisign_keyid": keyid,
        "predicate_type": pb.predicate_type,
        "subjects": [{"name": s.name, "sha256": s.digest["sha256"]} for s in pb.subject],
    }
    predicate = statement["predicate"]
    if pb.predicate_type == VSA:
        # The package's VSA v1 message declares verifiedLevels a single string where the
        # SLSA spec makes it an array (in-toto/attestation#425, fix in PR #429 unreleased in
        # 0.9.3): the array is checked here, the rest parsed by the package's message.
        # Consumers MUST ignore unrecognised fields (VSA parsing rules): the message predates
        # verifier.version, and tollgate's extension field is named by a URI.
        levels = predicate.get("verifiedLevels")
        if not isinstance(levels, list) or not levels or not all(isinstance(l, str) for l in levels):
            raise ValueError(f"verifiedLevels must be a non-empty array of strings: {levels!r}")
        rest = {k: v for k, v in predicate.items() if k != "verifiedLevels"}
        vsa = json_format.ParseDict(rest, vsa_pb2.VerificationSummary(), ignore_unknown_fields=True)
        for field in ("verifier", "time_verified", "policy"):
            if not vsa.HasField(field):
                raise ValueError(f"VSA predicate lacks {field}")
        if not vsa.verifier.id or not vsa.policy.uri or not vsa.resource_uri:
            raise ValueError("VSA verifier.id, resourceUri and policy.uri are required")
        if vsa.verification_result not in ("PASSED", "FAILED"):
            raise ValueError(f"verificationResult {vsa.verification_result!r}")
        for level in levels:
            if level.startswith("SLSA_"):
                raise ValueError(f"custom level {level} uses the reserved SLSA_ prefix")
        for attestation in vsa.input_attestations:
            if not attestation.digest:
                raise ValueError(f"input attestation {attestation.uri} has no digest")
        known = {f.json_name for f in vsa_pb2.VerificationSummary.DESCRIPTOR.fields}
        extensions = sorted(set(predicate) - known)
        for name in extensions:
            if not name.startswith("https://"):
                raise ValueError(f"unknown predicate field {name!r} is not a URI extension")
        summary.update(
            verifier=vsa.verifier.id,
            time_verified=vsa.time_verified.ToJsonString(),
            resource_uri=vsa.resource_uri,
            policy={"uri": vsa.policy.uri, "digest": dict(vsa.policy.digest)},
            result=vsa.verification_result,
            levels=levels,
            inputs=len(vsa.input_attestations),
            extensions=extensions,
        )
    elif pb.predicate_type == PROVENANCE:
        provenance = json_format.ParseDict(predicate, provenance_pb2.Provenance())
        summary.update(
            build_type=provenance.build_definition.build_type,
            builder=provenance.run_details.builder.id,
        )
    else:
        raise ValueError(f"unexpected predicateType {pb.predicate_type}")
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except Exception as error:  # every failure is a test failure with its reason
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
