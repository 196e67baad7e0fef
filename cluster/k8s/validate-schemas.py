#!/usr/bin/env python3
"""Validates the Kubernetes manifests against the real API schemas, offline.

  cluster/k8s/validate-schemas.sh [--versions 1.27,1.37] [--no-self-test]   (sets up the venv, then runs this)

Renders each kustomization (cluster/k8s and its GPU overlay cluster/k8s-gpu) with kustomize_lite.py
and validates every object with kubernetes-validate (PyPI), whose package bundles the JSON schemas
generated from Kubernetes' own OpenAPI definitions for each release, in strict mode (an unknown
field, such as a misspelt key, is an error, as `kubectl apply --validate=strict` would make it).
It checks the oldest release the manifests document (1.27: the elastic indexed Job) and the newest
bundled one. Where `kubectl` is installed, it also renders both folders with `kubectl kustomize`
and requires the same objects as kustomize_lite (so the overlay is real kustomize, not only this
renderer's idea of it). A self-test then breaks copies in ways the schemas must catch.

Needs only the installed package (no network, no cluster). Exit status: 0 valid, 1 invalid,
2 could not run.
"""

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import kustomize_lite  # noqa: E402

try:
    import kubernetes_validate
except ImportError:
    print("validate-schemas.py needs kubernetes-validate: run cluster/k8s/validate-schemas.sh", file=sys.stderr)
    sys.exit(2)

FOLDERS = [HERE, os.path.join(os.path.dirname(HERE), "k8s-gpu")]
OLDEST = "1.27"


def validate(objects, versions):
    """Errors of every object against every version's strict schema."""
    errors = []
    for obj in kustomize_lite.plain(objects):
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = "/".join(str(p) for p in error.absolute_path) or "(top)"
                errors.append(f"{name} (Kubernetes {version}): {where}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                errors.append(f"{name}: no schema for {obj.get('apiVersion')} {obj.get('kind')} in Kubernetes {version}")
    return errors


def canonical(objects):
    return sorted((yaml.safe_dump(o, sort_keys=True) for o in kustomize_lite.plain(objects)))


def kubectl_cross_check(kubectl):
    """Renders both folders with `kubectl kustomize` (in a copy with stand-in key files) and with
    kustomize_lite; returns the folders whose objects differ."""
    differ = []
    with tempfile.TemporaryDirectory() as scratch:
        for folder in FOLDERS:
            shutil.copytree(folder, os.path.join(scratch, os.path.basename(folder)),
                            ignore=shutil.ignore_patterns("__pycache__", "*.py", "keys"))
        keys = os.path.join(scratch, "k8s", "keys")
        os.makedirs(os.path.join(keys, "workers"))
        for name in ("coordinator.key", "coordinator.pub", "workers/worker.key", "workers/worker.pub"):
            with open(os.path.join(keys, name), "w") as handle:
                handle.write(f"stand-in {name}\n")
        for folder in FOLDERS:
            copy_of = os.path.join(scratch, os.path.basename(folder))
            run = subprocess.run([kubectl, "kustomize", copy_of], capture_output=True, text=True, timeout=60)
            if run.returncode != 0:
                differ.append(f"{os.path.basename(folder)}: kubectl kustomize failed: {run.stderr.strip()}")
                continue
            theirs = [o for o in yaml.safe_load_all(run.stdout) if o]
            ours, _ = kustomize_lite.render(copy_of)
            if canonical(theirs) != canonical(ours):
                differ.append(f"{os.path.basename(folder)}: kubectl kustomize and kustomize_lite render different objects")
    return differ


def mutations():
    """(description, function breaking a deep copy of the rendered objects) the schemas catch."""
    def worker(objects):
        job = next(o for o in objects if o.get("kind") == "Job")
        return job["spec"]["template"]["spec"], job["spec"]["template"]["spec"]["containers"][0]

    def misspelt_key(objects):
        spec, _ = worker(objects)
        spec["restartPolicys"] = spec.pop("restartPolicy")

    def port_as_text(objects):
        statefulset = next(o for o in objects if o.get("kind") == "StatefulSet")
        statefulset["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "5555"

    def nameless_container(objects):
        _, container = worker(objects)
        del container["name"]

    def tolerations_not_a_list(objects):
        spec, _ = worker(objects)
        spec["tolerations"] = {"key": "nvidia.com/gpu", "operator": "Exists"}

    def env_value_number(objects):
        _, container = worker(objects)
        container["env"][1]["value"] = 1  # OPENBLAS_NUM_THREADS: env values are strings

    return [
        ("a misspelt field (restartPolicys)", misspelt_key),
        ("a containerPort given as text", port_as_text),
        ("a container without a name", nameless_container),
        ("tolerations as a map instead of a list", tolerations_not_a_list),
        ("an env value that is a number, not a string", env_value_number),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", help=f"Kubernetes versions, comma-separated (default: {OLDEST} and the newest bundled)")
    parser.add_argument("--no-self-test", action="store_true")
    args = parser.parse_args()
    latest = kubernetes_validate.latest_version()
    versions = args.versions.split(",") if args.versions else [OLDEST, latest]
    print(f"  kubernetes-validate {kubernetes_validate.version.__version__}, bundled schemas up to {latest}; "
          f"validating against {', '.join(versions)} (strict)")

    failed = False
    rendered = {}
    for folder in FOLDERS:
        label = os.path.relpath(folder, os.path.dirname(os.path.dirname(HERE)))
        try:
            objects, _ = kustomize_lite.render(folder)
        except kustomize_lite.RenderError as error:
            print(f"FAIL: {label}: {error}", file=sys.stderr)
            failed = True
            continue
        rendered[label] = objects
        errors = validate(objects, versions)
        for error in errors:
            print(f"FAIL: {label}: {error}", file=sys.stderr)
        failed |= bool(errors)
        if not errors:
            kinds = ", ".join(sorted(f"{o['kind']}/{o['metadata']['name']}" for o in objects))
            print(f"  ok: {label}: {len(objects)} objects valid: {kinds}")

    kubectl = shutil.which("kubectl")
    if kubectl:
        differ = kubectl_cross_check(kubectl)
        for problem in differ:
            print(f"FAIL: {problem}", file=sys.stderr)
        failed |= bool(differ)
        if not differ:
            print("  ok: kubectl kustomize renders the same objects as kustomize_lite (both folders)")
    else:
        print("  (no kubectl: the cross-check of the rendering with kubectl kustomize is skipped)")

    if not args.no_self_test and "cluster/k8s-gpu" in rendered:
        missed = []
        for description, mutate in mutations():
            broken = copy.deepcopy(rendered["cluster/k8s-gpu"])
            mutate(broken)
            found = validate(broken, versions[-1:])
            if not found:
                missed.append(description)
            elif os.environ.get("HPO_K8S_VERBOSE"):
                print(f"    self-test: {description}: {found[0]}")
        for description in missed:
            print(f"FAIL: self-test: {description} passed the schemas", file=sys.stderr)
        failed |= bool(missed)
        if not missed:
            print(f"  ok: self-test: {len(mutations())} broken copies (a misspelt field, a port as text, ...) all rejected")
    if failed:
        return 1
    print("PASS: Kubernetes manifests match the API schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
