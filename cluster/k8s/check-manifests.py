#!/usr/bin/env python3
"""Checks the Kubernetes manifests of swift-hpo without a cluster.

  cluster/k8s/check-manifests.py [--bin DIR] [--dir DIR ...] [--no-self-test]

Loads the files kustomization.yaml lists (and its secretGenerator), then checks that they agree
with each other and with the binaries:

- every object is well formed, in the kustomization's namespace, named once; every YAML file of
  the folder is listed;
- selectors match their pod templates; each Service selects the coordinator's pods only, and its
  targetPort is a port those pods expose; the StatefulSet's serviceName is a headless Service;
- every volumeMount names a volume, every volume is mounted, every Secret / ConfigMap / claim a
  volume or env var names exists, with the keys its `items` name; $(VAR) in args is defined;
- every container has an image, CPU and memory requests and limits;
- hpo-coordinator and hpo-worker are called only with flags their `--help` lists (so a misspelt
  flag fails), each flag with its value; file arguments lie on a mount that provides the file;
  the results log (--log) is on a writable persistent volume; --bind's port is the container
  port; workers --connect to the coordinator's Service name and port; CURVE keys on both sides
  come from the same Secret and the coordinator admits the workers' public key; workers run one
  BLAS thread (OPENBLAS_NUM_THREADS=1) and no more slots than CPUs;
- the secretGenerator's files are the ones `hpo keygen --out keys` writes, and the study file in
  the ConfigMap is accepted by hpo-coordinator.

- in a kustomization with GPUs (cluster/k8s-gpu/, rendered by kustomize_lite.py): each worker's
  `nvidia.com/gpu` is a whole number of at least 1, in limits (a request must equal the limit),
  and the worker runs no more slots than GPUs.

Both kustomizations are checked: cluster/k8s/ and the GPU overlay cluster/k8s-gpu/ (--dir, may be
repeated). Then a self-test breaks copies of the manifests in typical ways (a misspelt flag, a wrong port, a
wrong label, ...) and requires that each is caught.

Needs Python 3 and PyYAML (`apt-get install python3-yaml` or `pip install pyyaml`), and the built
binaries: --bin DIR or HPO_BIN, else .build/release or .build/debug of this repository.
Exit status: 0 all checks passed, 1 a check failed, 2 it could not run.
"""

import argparse
import copy
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import hpoflags  # noqa: E402
sys.path.insert(0, HERE)

try:
    import yaml
except ImportError:
    print("check-manifests.py needs PyYAML: apt-get install python3-yaml (or pip install pyyaml)", file=sys.stderr)
    sys.exit(2)

import kustomize_lite  # noqa: E402

NAMESPACED = {"ConfigMap", "Secret", "Service", "StatefulSet", "Deployment", "Job", "DaemonSet",
              "PersistentVolumeClaim", "Pod", "ServiceAccount"}
WORKLOADS = {"StatefulSet", "Deployment", "Job", "DaemonSet"}
BINARIES = ("hpo-coordinator", "hpo-worker")
# Flags whose value is a file the process reads (or, for --log / --endpoint-file, writes).
FILE_FLAGS = {"hpo-coordinator": ["--log", "--curve-secret", "--authorized-keys", "--endpoint-file"],
              "hpo-worker": ["--curve-key", "--server-key"]}
VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


# ------------------------------------------------------------------------------------- loading

class Manifests:
    def __init__(self, directory):
        self.directory = directory
        path = os.path.join(directory, "kustomization.yaml")
        with open(path) as handle:
            self.kustomization = yaml.safe_load(handle)
        self.objects = []
        self.load_errors = []
        for resource in self.kustomization.get("resources", []):
            file = os.path.join(directory, resource)
            if not os.path.isfile(file):
                self.load_errors.append(f"kustomization.yaml lists {resource}, which does not exist")
                continue
            with open(file) as handle:
                for document in yaml.safe_load_all(handle):
                    if document is not None:
                        document["_file"] = resource
                        self.objects.append(document)
        listed = set(self.kustomization.get("resources", []))
        for name in sorted(os.listdir(directory)):
            if name.endswith((".yaml", ".yml")) and name != "kustomization.yaml" and name not in listed:
                self.load_errors.append(f"{name} is not listed in kustomization.yaml's resources")
        # Secrets and ConfigMaps made by kustomize: name -> keys.
        self.generated = {"Secret": {}, "ConfigMap": {}}
        self.generator_files = []
        for kind, field in (("Secret", "secretGenerator"), ("ConfigMap", "configMapGenerator")):
            for generator in self.kustomization.get(field, []) or []:
                keys = set()
                for entry in generator.get("files", []) or []:
                    key, _, file = entry.partition("=") if "=" in entry else (os.path.basename(entry), "", entry)
                    keys.add(key)
                    self.generator_files.append((kind, generator["name"], key, file))
                for entry in generator.get("literals", []) or []:
                    keys.add(entry.split("=", 1)[0])
                self.generated[kind][generator["name"]] = keys


class RenderedManifests:
    """The same view as `Manifests` of a kustomization that kustomize_lite renders (an overlay
    with bases and patches)."""

    def __init__(self, directory):
        self.directory = directory
        self.objects, info = kustomize_lite.render(directory)
        self.kustomization = {"namespace": info.namespace}
        self.load_errors = [f"{name} is not listed in its kustomization.yaml's resources or patches" for name in info.unlisted]
        self.generated = info.generated
        self.generator_files = info.generator_files


def load(directory):
    """`Manifests` for a folder of plain resources (the base), else the rendered kustomization."""
    with open(os.path.join(directory, "kustomization.yaml")) as handle:
        kustomization = yaml.safe_load(handle) or {}
    plain = all(os.path.isfile(os.path.join(directory, r)) for r in kustomization.get("resources", []) or [])
    return Manifests(directory) if plain and not kustomization.get("patches") else RenderedManifests(directory)


def data_keys(kind, name, manifests, objects):
    for obj in objects:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return set((obj.get("data") or {}).keys()) | set((obj.get("stringData") or {}).keys())
    return manifests.generated.get(kind, {}).get(name)


def pod_spec(workload):
    return workload.get("spec", {}).get("template", {}).get("spec", {})


def template_labels(workload):
    return workload.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {}) or {}


def label_text(labels):
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def quantity(value):
    """CPU quantity in cores ("500m" -> 0.5, "2" -> 2)."""
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


# ------------------------------------------------------------------------------------- checks

def check(manifests, objects, options, keygen_layout):
    """All checks on `objects`; returns a list of error strings."""
    errors = list(manifests.load_errors)
    namespace = manifests.kustomization.get("namespace")
    seen = set()
    for obj in objects:
        where = f"{obj.get('_file')}: {obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        if not obj.get("apiVersion") or not obj.get("kind") or not obj.get("metadata", {}).get("name"):
            errors.append(f"{where}: needs apiVersion, kind and metadata.name")
            continue
        key = (obj["kind"], obj["metadata"]["name"])
        if key in seen:
            errors.append(f"{where}: defined twice")
        seen.add(key)
        if obj["kind"] in NAMESPACED and namespace and obj["metadata"].get("namespace", namespace) != namespace:
            errors.append(f"{where}: namespace {obj['metadata'].get('namespace')!r}, the kustomization's is {namespace!r}")
        if obj["kind"] == "Namespace" and namespace and obj["metadata"]["name"] != namespace:
            errors.append(f"{where}: the kustomization's namespace is {namespace!r}")

    workloads = [o for o in objects if o.get("kind") in WORKLOADS]
    services = [o for o in objects if o.get("kind") == "Service"]
    claims = {o["metadata"]["name"] for o in objects if o.get("kind") == "PersistentVolumeClaim"}
    containers = {}  # binary -> (workload, container)

    for workload in workloads:
        name = f"{workload['_file']}: {workload['kind']}/{workload['metadata']['name']}"
        labels = template_labels(workload)
        if not labels:
            errors.append(f"{name}: the pod template has no labels")
        selector = workload.get("spec", {}).get("selector", {}).get("matchLabels")
        if workload["kind"] != "Job" or selector:
            if not selector:
                errors.append(f"{name}: no spec.selector.matchLabels")
            elif any(labels.get(k) != v for k, v in selector.items()):
                errors.append(f"{name}: selector {label_text(selector)} does not match the pod labels {label_text(labels)}")
        spec = pod_spec(workload)
        volumes = {v.get("name"): v for v in spec.get("volumes", []) or []}
        templates = {t.get("metadata", {}).get("name") for t in workload.get("spec", {}).get("volumeClaimTemplates", []) or []}
        mounted = set()
        for volume in volumes.values():
            if "secret" in volume:
                secret = volume["secret"].get("secretName")
                keys = data_keys("Secret", secret, manifests, objects)
                if keys is None:
                    errors.append(f"{name}: volume {volume['name']} uses Secret {secret!r}, which is not defined")
                for item in volume["secret"].get("items", []) or []:
                    if keys is not None and item.get("key") not in keys:
                        errors.append(f"{name}: volume {volume['name']} wants key {item.get('key')!r} of Secret {secret}, which has {sorted(keys)}")
            if "configMap" in volume:
                config = volume["configMap"].get("name")
                keys = data_keys("ConfigMap", config, manifests, objects)
                if keys is None:
                    errors.append(f"{name}: volume {volume['name']} uses ConfigMap {config!r}, which is not defined")
                for item in volume["configMap"].get("items", []) or []:
                    if keys is not None and item.get("key") not in keys:
                        errors.append(f"{name}: volume {volume['name']} wants key {item.get('key')!r} of ConfigMap {config}, which has {sorted(keys)}")
            if "persistentVolumeClaim" in volume and volume["persistentVolumeClaim"].get("claimName") not in claims:
                errors.append(f"{name}: volume {volume['name']} uses claim {volume['persistentVolumeClaim'].get('claimName')!r}, which is not defined")
        for container in spec.get("containers", []) or []:
            cname = f"{name} container {container.get('name')}"
            if not container.get("image"):
                errors.append(f"{cname}: no image")
            resources = container.get("resources", {}) or {}
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (resources.get(part) or {}):
                        errors.append(f"{cname}: no resources.{part}.{resource}")
            env_names = set()
            for env in container.get("env", []) or []:
                env_names.add(env.get("name"))
                ref = (env.get("valueFrom") or {})
                for kind, field in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                    if field in ref:
                        keys = data_keys(kind, ref[field].get("name"), manifests, objects)
                        if keys is None or ref[field].get("key") not in keys:
                            errors.append(f"{cname}: env {env.get('name')} wants {kind} {ref[field].get('name')} key {ref[field].get('key')}, not defined")
            for word in (container.get("command") or []) + (container.get("args") or []):
                for var in VAR_REF.findall(str(word)):
                    if var not in env_names:
                        errors.append(f"{cname}: $({var}) in the arguments, but no env {var} is defined")
            for mount in container.get("volumeMounts", []) or []:
                mounted.add(mount.get("name"))
                if mount.get("name") not in volumes and mount.get("name") not in templates:
                    errors.append(f"{cname}: volumeMount {mount.get('name')!r} names no volume or volumeClaimTemplate")
            ports = [p.get("name") for p in container.get("ports", []) or [] if p.get("name")]
            if len(ports) != len(set(ports)):
                errors.append(f"{cname}: port names are not unique")
            binary = os.path.basename((container.get("command") or [""])[0])
            if binary in BINARIES:
                containers.setdefault(binary, []).append((workload, container))
        for unused in sorted((set(volumes) | templates) - mounted):
            errors.append(f"{name}: volume {unused!r} is not mounted by any container")

    # Services.
    for service in services:
        sname = f"{service['_file']}: Service/{service['metadata']['name']}"
        selector = service.get("spec", {}).get("selector") or {}
        if not selector:
            errors.append(f"{sname}: no selector")
            continue
        selected = [w for w in workloads if all(template_labels(w).get(k) == v for k, v in selector.items())]
        if not selected:
            errors.append(f"{sname}: selector {label_text(selector)} selects no workload's pods")
        for workload in selected:
            binaries = {os.path.basename((c.get("command") or [""])[0]) for c in pod_spec(workload).get("containers", [])}
            if "hpo-coordinator" not in binaries:
                errors.append(f"{sname}: selects the pods of {workload['kind']}/{workload['metadata']['name']}, which run no coordinator")
            ports = [p for c in pod_spec(workload).get("containers", []) for p in c.get("ports", []) or []]
            for port in service.get("spec", {}).get("ports", []) or []:
                target = port.get("targetPort", port.get("port"))
                if not any(target in (p.get("name"), p.get("containerPort")) for p in ports):
                    errors.append(f"{sname}: targetPort {target!r} is not a port of {workload['kind']}/{workload['metadata']['name']}")
    for workload in workloads:
        if workload["kind"] != "StatefulSet":
            continue
        governing = workload.get("spec", {}).get("serviceName")
        match = [s for s in services if s["metadata"]["name"] == governing]
        if not match:
            errors.append(f"StatefulSet/{workload['metadata']['name']}: serviceName {governing!r} is not a Service here")
        elif match[0].get("spec", {}).get("clusterIP") != "None":
            errors.append(f"StatefulSet/{workload['metadata']['name']}: its governing Service {governing} should be headless (clusterIP: None)")

    # The binaries.
    coordinators = containers.get("hpo-coordinator", [])
    workers = containers.get("hpo-worker", [])
    if len(coordinators) != 1:
        errors.append(f"expected one container running hpo-coordinator, found {len(coordinators)}")
    if not workers:
        errors.append("no container runs hpo-worker")
    parsed = {}
    for binary, entries in containers.items():
        for workload, container in entries:
            cname = f"{workload['_file']}: {workload['kind']}/{workload['metadata']['name']} ({binary})"
            args = [str(a) for a in (container.get("command") or [])[1:] + (container.get("args") or [])]
            known = options[binary]
            for flag in hpoflags.unknown_flags(args, known):
                errors.append(f"{cname}: {binary} has no flag {flag} (misspelt?); its flags: {' '.join(sorted(known))}")
            flags, positional = hpoflags.parse_args(args, known)
            for flag, value in flags.items():
                if known.get(flag) and value is True:
                    errors.append(f"{cname}: {flag} needs a value")
            env = {e.get("name"): e.get("value") for e in container.get("env", []) or []}
            mounts = mounts_of(workload, container)
            for flag in FILE_FLAGS[binary]:
                if isinstance(flags.get(flag), str):
                    problem = file_on_mount(flags[flag], mounts, manifests, objects, directory=(flag == "--authorized-keys"))
                    if problem:
                        errors.append(f"{cname}: {flag} {flags[flag]}: {problem}")
            parsed[(binary, workload["metadata"]["name"])] = (workload, container, flags, positional, env, mounts, cname)
            if env.get("OPENBLAS_NUM_THREADS") != "1":
                errors.append(f"{cname}: set OPENBLAS_NUM_THREADS=\"1\" (one BLAS thread per process)")

    coordinator = next((v for k, v in parsed.items() if k[0] == "hpo-coordinator"), None)
    if coordinator:
        workload, container, flags, positional, env, mounts, cname = coordinator
        if workload["kind"] in ("StatefulSet", "Deployment") and workload.get("spec", {}).get("replicas", 1) != 1:
            errors.append(f"{cname}: replicas must be 1 (one coordinator per study and results log)")
        if len(positional) != 1:
            errors.append(f"{cname}: expected one study file argument, found {positional}")
        else:
            problem = file_on_mount(positional[0], mounts, manifests, objects)
            if problem:
                errors.append(f"{cname}: study file {positional[0]}: {problem}")
        log = flags.get("--log")
        if not isinstance(log, str):
            errors.append(f"{cname}: no --log: the results log must be on the persistent volume, or a restart loses the study")
        else:
            mount = longest_mount(log, mounts)
            if not mount or mount["source"] != "claim":
                errors.append(f"{cname}: --log {log} is not on a PersistentVolumeClaim (a restarted pod could not resume)")
            elif mount["readOnly"]:
                errors.append(f"{cname}: --log {log} is on a read-only mount")
        bind = flags.get("--bind")
        bind_port = None
        if not isinstance(bind, str) or not re.match(r"^tcp://[^:]+:\d+$", bind):
            errors.append(f"{cname}: --bind must be tcp://ADDRESS:PORT, found {bind!r}")
        else:
            bind_port = int(bind.rsplit(":", 1)[1])
            container_ports = [p.get("containerPort") for p in container.get("ports", []) or []]
            if bind_port not in container_ports:
                errors.append(f"{cname}: --bind port {bind_port} is not a containerPort ({container_ports})")
            loopback = re.match(r"^tcp://(127\.|localhost|\[::1\])", bind)
            if not loopback and "--insecure" not in flags and not ("--curve-secret" in flags and "--authorized-keys" in flags):
                errors.append(f"{cname}: binding {bind} needs --curve-secret and --authorized-keys (or --insecure)")
        coordinator_key = source_of(flags.get("--curve-secret"), mounts)
        admitted = admitted_sources(flags.get("--authorized-keys"), mounts, manifests, objects)
        # Workers.
        for (binary, _), (wworkload, wcontainer, wflags, wpositional, wenv, wmounts, wname) in parsed.items():
            if binary != "hpo-worker":
                continue
            if wpositional:
                errors.append(f"{wname}: unexpected arguments {wpositional}")
            connect = wflags.get("--connect")
            match = re.match(r"^tcp://([^:/]+):(\d+)$", connect) if isinstance(connect, str) else None
            if not match:
                errors.append(f"{wname}: --connect must be tcp://SERVICE:PORT, found {connect!r}")
            else:
                host, port = match.group(1), int(match.group(2))
                namespace_of = manifests.kustomization.get("namespace") or "default"
                names = {host, host.split(".")[0]} if re.match(rf"^[^.]+(\.{namespace_of}(\.svc(\.cluster\.local)?)?)?$", host) else {host}
                service = next((s for s in services if s["metadata"]["name"] in names), None)
                if not service:
                    errors.append(f"{wname}: --connect host {host} is not a Service of this namespace")
                else:
                    if service.get("spec", {}).get("clusterIP") == "None":
                        errors.append(f"{wname}: --connect {host} is headless; use the ClusterIP Service (stable across restarts)")
                    sports = service.get("spec", {}).get("ports", []) or []
                    if port not in [p.get("port") for p in sports]:
                        errors.append(f"{wname}: --connect port {port} is not a port of Service {host} ({[p.get('port') for p in sports]})")
                    else:
                        target = next(p for p in sports if p.get("port") == port).get("targetPort", port)
                        cport = next((p.get("containerPort") for p in container.get("ports", []) or []
                                      if target in (p.get("name"), p.get("containerPort"))), None)
                        if bind_port is not None and cport != bind_port:
                            errors.append(f"{wname}: --connect port {port} reaches container port {cport}, the coordinator binds {bind_port}")
            if coordinator_key:
                if "--curve-key" not in wflags or "--server-key" not in wflags:
                    errors.append(f"{wname}: the coordinator uses CURVE: give --curve-key and --server-key")
                else:
                    server_key = source_of(wflags["--server-key"], wmounts)
                    expected = public_half(origin(coordinator_key, manifests))
                    if server_key and origin(server_key, manifests) != expected:
                        errors.append(f"{wname}: --server-key is {origin(server_key, manifests)}, the public half of the coordinator's key is {expected}")
                    worker_key = source_of(wflags["--curve-key"], wmounts)
                    if worker_key and admitted is not None:
                        public = public_half(origin(worker_key, manifests))
                        if public not in {origin(a, manifests) for a in admitted}:
                            errors.append(f"{wname}: the coordinator's --authorized-keys does not admit {public}, the public half of the worker key {origin(worker_key, manifests)}")
            slots = int(wflags.get("--slots", "1")) if str(wflags.get("--slots", "1")).isdigit() else None
            cpu = (wcontainer.get("resources", {}).get("limits") or {}).get("cpu")
            if slots is not None and cpu is not None and slots > math.ceil(quantity(cpu)):
                errors.append(f"{wname}: --slots {slots} is more than its CPU limit {cpu}")
            errors += gpu_errors(wname, wcontainer, slots)

    # The generated Secret holds what `hpo keygen` writes.
    if keygen_layout is not None:
        for kind, name, _, file in manifests.generator_files:
            parts = file.split("/")
            if parts[0] == "keys" and "/".join(parts[1:]) not in keygen_layout:
                errors.append(f"kustomization.yaml: the generator of {kind} {name} takes {file}, which `hpo keygen --out keys` does not write ({sorted(keygen_layout)})")
    return errors


GPU = "nvidia.com/gpu"


def gpu_errors(name, container, slots):
    """A worker that asks for GPUs: a whole number in limits, any request equal to it (extended
    resources cannot be overcommitted), and no more slots than GPUs (a trial per GPU)."""
    resources = container.get("resources", {}) or {}
    limit, request = (resources.get("limits") or {}).get(GPU), (resources.get("requests") or {}).get(GPU)
    if limit is None and request is None:
        return []
    errors = []
    if limit is None:
        errors.append(f"{name}: {GPU} is requested but not in limits (extended resources go in limits)")
    elif not re.fullmatch(r"[1-9][0-9]*", str(limit)):
        errors.append(f"{name}: {GPU} limit {limit!r} is not a whole number of GPUs, at least 1")
    elif request is not None and str(request) != str(limit):
        errors.append(f"{name}: {GPU} request {request} differs from its limit {limit} (they must be equal)")
    elif slots is not None and slots > int(str(limit)):
        errors.append(f"{name}: --slots {slots} is more than its {limit} GPU(s): trials would share a GPU")
    return errors


def mounts_of(workload, container):
    """The container's mounts: [{path, volume, source, readOnly, secret/configMap, items}]."""
    spec = pod_spec(workload)
    volumes = {v.get("name"): v for v in spec.get("volumes", []) or []}
    templates = {t.get("metadata", {}).get("name") for t in workload.get("spec", {}).get("volumeClaimTemplates", []) or []}
    mounts = []
    for mount in container.get("volumeMounts", []) or []:
        volume = volumes.get(mount.get("name"), {})
        entry = {"path": mount.get("mountPath", "").rstrip("/") or "/", "volume": mount.get("name"),
                 "readOnly": bool(mount.get("readOnly")), "subPath": mount.get("subPath")}
        if mount.get("name") in templates or "persistentVolumeClaim" in volume:
            entry["source"] = "claim"
        elif "secret" in volume:
            entry.update(source="secret", name=volume["secret"].get("secretName"), items=volume["secret"].get("items"))
        elif "configMap" in volume:
            entry.update(source="configMap", name=volume["configMap"].get("name"), items=volume["configMap"].get("items"))
        else:
            entry["source"] = "other"
        mounts.append(entry)
    return mounts


def longest_mount(path, mounts):
    best = None
    for mount in mounts:
        if path == mount["path"] or path.startswith(mount["path"] + "/"):
            if best is None or len(mount["path"]) > len(best["path"]):
                best = mount
    return best


def file_on_mount(path, mounts, manifests, objects, directory=False):
    """None if the mount holding `path` provides it; else what is wrong."""
    mount = longest_mount(path, mounts)
    if mount is None:
        return "is on no volume mount (the image's own file system)"
    if mount["source"] in ("secret", "configMap"):
        relative = path[len(mount["path"]) + 1:] if path != mount["path"] else ""
        if directory:
            return None if relative == "" else "a folder of keys should be the mount itself"
        kind = "Secret" if mount["source"] == "secret" else "ConfigMap"
        if mount["items"]:
            provided = {item.get("path") for item in mount["items"]}
        else:
            provided = data_keys(kind, mount["name"], manifests, objects) or set()
        if relative not in provided:
            return f"the {kind} {mount['name']} mounted at {mount['path']} provides {sorted(provided)}, not {relative!r}"
    return None


def source_of(path, mounts):
    """(kind, name, key) of the Secret or ConfigMap entry that provides the file `path`, or None."""
    if not isinstance(path, str):
        return None
    mount = longest_mount(path, mounts)
    if not mount or mount["source"] not in ("secret", "configMap"):
        return None
    kind = "Secret" if mount["source"] == "secret" else "ConfigMap"
    relative = path[len(mount["path"]) + 1:]
    for item in mount["items"] or []:
        if item.get("path") == relative:
            return (kind, mount["name"], item.get("key"))
    return (kind, mount["name"], relative)


def admitted_sources(path, mounts, manifests, objects):
    """{(kind, name, key)} of the *.pub files in the folder `path` (a Secret or ConfigMap mount)."""
    if not isinstance(path, str):
        return None
    mount = longest_mount(path, mounts)
    if not mount or mount["source"] not in ("secret", "configMap") or mount["path"] != path.rstrip("/"):
        return None
    kind = "Secret" if mount["source"] == "secret" else "ConfigMap"
    if mount["items"]:
        return {(kind, mount["name"], item.get("key")) for item in mount["items"] if str(item.get("path")).endswith(".pub")}
    return {(kind, mount["name"], key) for key in data_keys(kind, mount["name"], manifests, objects) or set() if key.endswith(".pub")}


def origin(source, manifests):
    """Where an entry's content comes from: the generator's file (keys/workers/worker.key), or
    KIND/NAME/KEY for an entry written in a manifest."""
    for kind, name, key, file in manifests.generator_files:
        if (kind, name, key) == source:
            return os.path.normpath(file)
    return "/".join(source)


def public_half(key_origin):
    return key_origin[:-len(".key")] + ".pub" if key_origin.endswith(".key") else key_origin


# ------------------------------------------------------------------------------------- with the binaries

def keygen_layout(hpo):
    """Relative paths of the files `hpo keygen --out DIR` writes."""
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "keys")
        subprocess.run([hpo, "keygen", "--out", out], check=True, capture_output=True, timeout=30)
        found = set()
        for root, _, files in os.walk(out):
            for file in files:
                found.add(os.path.relpath(os.path.join(root, file), out))
        return found


def check_study(coordinator, objects):
    """The ConfigMap's study file is accepted by hpo-coordinator: started on loopback, it must
    still be running after two seconds (a bad study file exits at once with its error)."""
    config = next((o for o in objects if o.get("kind") == "ConfigMap" and "study.yaml" in (o.get("data") or {})), None)
    if config is None:
        return ["no ConfigMap holds a study.yaml"]
    with tempfile.TemporaryDirectory() as directory:
        study = os.path.join(directory, "study.yaml")
        with open(study, "w") as handle:
            handle.write(config["data"]["study.yaml"])
        process = subprocess.Popen([coordinator, study, "--bind", "tcp://127.0.0.1:0",
                                    "--log", os.path.join(directory, "results.jsonl")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
            return []
        output = process.communicate()[0]
        return [f"{config['_file']}: hpo-coordinator rejects study.yaml (status {process.returncode}): {output.strip()}"]


# ------------------------------------------------------------------------------------- self-test

def find_container(objects, binary):
    for obj in objects:
        for container in pod_spec(obj).get("containers", []) if obj.get("kind") in WORKLOADS else []:
            if os.path.basename((container.get("command") or [""])[0]) == binary:
                return obj, container
    raise LookupError(binary)


def replace_arg(objects, binary, old, new):
    _, container = find_container(objects, binary)
    args = container["args"]
    index = next(i for i, a in enumerate(args) if old in str(a))
    args[index] = str(args[index]).replace(old, new, 1)


def mutations(base_objects):
    """(description, function that breaks a deep copy of the objects): for a kustomization with
    GPUs, the GPU mistakes and two general ones; else the general ones."""
    def service_selector(objects):
        service = next(o for o in objects if o.get("kind") == "Service")
        key = sorted(service["spec"]["selector"])[0]
        service["spec"]["selector"][key] += "-typo"

    def mount_name(objects):
        _, container = find_container(objects, "hpo-worker")
        container["volumeMounts"][0]["name"] += "-typo"

    def secret_item(objects):
        workload, _ = find_container(objects, "hpo-worker")
        volume = next(v for v in pod_spec(workload)["volumes"] if "secret" in v)
        volume["secret"]["items"][-1]["key"] = "coordinator.pem"

    def log_path(objects):
        _, container = find_container(objects, "hpo-coordinator")
        args = container["args"]
        args[args.index("--log") + 1] = "/tmp/results.jsonl"

    def blas(objects):
        _, container = find_container(objects, "hpo-worker")
        container["env"] = [e for e in container["env"] if e.get("name") != "OPENBLAS_NUM_THREADS"]

    def wrong_server_key(objects):
        workload, _ = find_container(objects, "hpo-worker")
        volume = next(v for v in pod_spec(workload)["volumes"] if "secret" in v)
        item = next(i for i in volume["secret"]["items"] if i["key"] == "coordinator.pub")
        item["key"] = "coordinator.key"  # the secret key where the public one belongs

    def target_port(objects):
        service = next(o for o in objects if o.get("kind") == "Service")
        service["spec"]["ports"][0]["targetPort"] = "hpo-typo"

    def gpu_request(objects):
        _, container = find_container(objects, "hpo-worker")
        container["resources"]["requests"][GPU] = 2

    def gpu_fraction(objects):
        _, container = find_container(objects, "hpo-worker")
        container["resources"]["limits"][GPU] = "500m"

    def gpu_slots(objects):
        _, container = find_container(objects, "hpo-worker")
        args = container["args"]
        args[args.index("--slots") + 1] = "2"  # the CPU limit is 2, the GPU limit 1

    if any(GPU in ((c.get("resources") or {}).get("limits") or {})
           for o in base_objects if o.get("kind") in WORKLOADS for c in pod_spec(o).get("containers", [])):
        return [
            ("a GPU request different from its limit", gpu_request),
            ("a fraction of a GPU", gpu_fraction),
            ("more worker slots than GPUs", gpu_slots),
            ("a misspelt worker flag (--curve-key -> --curve-keys)", lambda o: replace_arg(o, "hpo-worker", "--curve-key", "--curve-keys")),
            ("workers connecting to the wrong port", lambda o: replace_arg(o, "hpo-worker", ":5555", ":5556")),
        ]
    return [
        ("a misspelt worker flag (--curve-key -> --curve-keys)", lambda o: replace_arg(o, "hpo-worker", "--curve-key", "--curve-keys")),
        ("a misspelt coordinator flag (--authorized-keys -> --authorised-keys)", lambda o: replace_arg(o, "hpo-coordinator", "--authorized-keys", "--authorised-keys")),
        ("workers connecting to the wrong port", lambda o: replace_arg(o, "hpo-worker", ":5555", ":5556")),
        ("workers connecting to a Service that does not exist", lambda o: replace_arg(o, "hpo-worker", "tcp://hpo-coordinator", "tcp://hpo-coordinatr")),
        ("a Service selector that matches no pods", service_selector),
        ("a Service targetPort the pods do not expose", target_port),
        ("a volumeMount naming no volume", mount_name),
        ("a Secret item key that does not exist", secret_item),
        ("workers given the wrong file as the server's key", wrong_server_key),
        ("the results log off the persistent volume", log_path),
        ("workers without OPENBLAS_NUM_THREADS=1", blas),
    ]


# ------------------------------------------------------------------------------------- main

def find_bin(option):
    candidates = [option] if option else ([os.environ["HPO_BIN"]] if os.environ.get("HPO_BIN") else
                                          [os.path.join(HERE, "..", "..", ".build", c) for c in ("release", "debug")])
    for directory in candidates:
        if all(os.access(os.path.join(directory, b), os.X_OK) for b in ("hpo-coordinator", "hpo-worker", "hpo")):
            return os.path.abspath(directory)
    print(f"check-manifests.py: the binaries are not in {', '.join(candidates)}: build them "
          "(swift build) or pass --bin DIR / set HPO_BIN", file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="folder with hpo-coordinator, hpo-worker and hpo")
    parser.add_argument("--dir", action="append",
                        help="a kustomization folder (repeatable; default: cluster/k8s and cluster/k8s-gpu)")
    parser.add_argument("--no-self-test", action="store_true")
    args = parser.parse_args()

    bindir = find_bin(args.bin)
    options = {b: hpoflags.options_of([os.path.join(bindir, b)]) for b in BINARIES}
    layout = keygen_layout(os.path.join(bindir, "hpo"))
    print(f"  flags from {bindir}: hpo-coordinator {len(options['hpo-coordinator'])}, hpo-worker {len(options['hpo-worker'])}")
    failed = False
    for directory in args.dir or [HERE, os.path.join(HERE, "..", "k8s-gpu")]:
        failed |= not check_folder(os.path.normpath(directory), bindir, options, layout, args.no_self_test)
    if failed:
        return 1
    print("PASS: Kubernetes manifests")
    return 0


CHECKED_STUDIES = set()


def check_folder(directory, bindir, options, layout, no_self_test):
    """All checks and the self-test on one kustomization; True when all passed."""
    label = os.path.relpath(directory, os.path.join(HERE, "..", ".."))
    try:
        manifests = load(directory)
    except kustomize_lite.RenderError as error:
        print(f"FAIL: {label}: {error}", file=sys.stderr)
        return False
    kinds = sorted(f"{o.get('kind')}/{o.get('metadata', {}).get('name')}" for o in manifests.objects)
    print(f"  {label}: {len(manifests.objects)} objects: {', '.join(kinds)}")

    errors = check(manifests, manifests.objects, options, layout)
    study = next((o["data"]["study.yaml"] for o in manifests.objects
                  if o.get("kind") == "ConfigMap" and "study.yaml" in (o.get("data") or {})), None)
    if study is None or study not in CHECKED_STUDIES:  # an overlay that keeps the base's study: checked once
        errors += check_study(os.path.join(bindir, "hpo-coordinator"), manifests.objects)
        CHECKED_STUDIES.add(study)
    for error in errors:
        print(f"FAIL: {label}: {error}", file=sys.stderr)
    if not errors:
        print(f"  ok: {label}: names, labels and selectors, ports, volumes, Secrets and ConfigMaps, flags, GPUs, study file")

    missed = []
    if not no_self_test:
        cases = mutations(manifests.objects)
        for description, mutate in cases:
            broken = copy.deepcopy(manifests.objects)
            mutate(broken)
            found = check(manifests, broken, options, layout)
            if not found:
                missed.append(description)
            elif os.environ.get("HPO_K8S_VERBOSE"):
                print(f"    self-test: {description}: {found[0]}")
        for description in missed:
            print(f"FAIL: {label}: self-test: {description} was not caught", file=sys.stderr)
        if not missed:
            print(f"  ok: {label}: self-test: {len(cases)} broken copies ({cases[0][0]}, ...) all caught")
    return not errors and not missed


if __name__ == "__main__":
    sys.exit(main())
