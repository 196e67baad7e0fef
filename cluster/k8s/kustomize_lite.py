"""Renders the kustomizations of cluster/k8s without kubectl: the subset of kustomize they use.

Supported, exactly as kustomize does it: `resources` (YAML files, or folders holding a
kustomization.yaml: a base), `namespace` (set on every namespaced object), `secretGenerator` and
`configMapGenerator` with `files` (KEY=PATH or PATH) and `literals`, and `patches` given as a
JSON 6902 patch file (`path`) with a `target` (kind and name, optionally group and version).
Anything else in a kustomization is an error here, so that an overlay using more of kustomize
fails loudly instead of being rendered wrong; `validate-schemas.py` also compares this renderer
with `kubectl kustomize` where kubectl is installed.

Generated Secrets and ConfigMaps carry the files' contents when the files exist, else a
placeholder (the CURVE keys under keys/ are made by `hpo keygen` and kept out of git).

    objects, info = render("cluster/k8s/gpu")
"""

import base64
import copy
import os

import yaml

NAMESPACED = {"ConfigMap", "Secret", "Service", "StatefulSet", "Deployment", "Job", "DaemonSet",
              "PersistentVolumeClaim", "Pod", "ServiceAccount", "CronJob", "Role", "RoleBinding"}
KNOWN_FIELDS = {"apiVersion", "kind", "namespace", "resources", "secretGenerator", "configMapGenerator", "patches"}


class RenderError(Exception):
    pass


class Rendered:
    """What a render found besides the objects (for check-manifests.py)."""

    def __init__(self):
        self.namespace = None
        # (kind, generator name, key, file path relative to the folder that declared it)
        self.generator_files = []
        # kind -> generator name -> set of keys
        self.generated = {"Secret": {}, "ConfigMap": {}}
        # YAML files in a rendered folder that no resource or patch names.
        self.unlisted = []


def _load_kustomization(folder):
    path = os.path.join(folder, "kustomization.yaml")
    if not os.path.isfile(path):
        raise RenderError(f"{folder}: no kustomization.yaml")
    with open(path) as handle:
        kustomization = yaml.safe_load(handle) or {}
    unknown = sorted(set(kustomization) - KNOWN_FIELDS)
    if unknown:
        raise RenderError(f"{path}: kustomize_lite does not support {', '.join(unknown)}")
    return kustomization


def _generated_object(kind, generator, folder, info, label):
    data, keys = {}, set()
    for entry in generator.get("files", []) or []:
        key, file = entry.split("=", 1) if "=" in entry else (os.path.basename(entry), entry)
        keys.add(key)
        info.generator_files.append((kind, generator["name"], key, os.path.normpath(file)))
        full = os.path.join(folder, file)
        content = open(full, "rb").read() if os.path.isfile(full) else b"(made by hpo keygen; not in git)\n"
        data[key] = base64.b64encode(content).decode() if kind == "Secret" else content.decode()
    for entry in generator.get("literals", []) or []:
        key, value = entry.split("=", 1)
        keys.add(key)
        data[key] = base64.b64encode(value.encode()).decode() if kind == "Secret" else value
    options = generator.get("options", {}) or {}
    if not options.get("disableNameSuffixHash"):
        raise RenderError(f"{label}: generator {generator['name']}: kustomize_lite renders only disableNameSuffixHash: true")
    info.generated[kind][generator["name"]] = keys
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}, "data": data}
    if kind == "Secret":
        obj["type"] = generator.get("type", "Opaque")
    return obj


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise RenderError(f"JSON pointer {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document, parts, path):
    node = document
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise RenderError(f"patch path {path}: {part!r} does not exist")
    return node


def apply_json_patch(document, operations, where):
    """RFC 6902: add, replace, remove and test (what the overlays use)."""
    for operation in operations:
        op, path = operation.get("op"), operation.get("path", "")
        parts = _pointer(path)
        parent = _parent(document, parts, path)
        last = parts[-1]
        if op == "test":
            value = parent[int(last)] if isinstance(parent, list) else parent.get(last, object())
            if value != operation.get("value"):
                raise RenderError(f"{where}: test {path} expected {operation.get('value')!r}, found {value!r}")
        elif op == "add":
            value = copy.deepcopy(operation["value"])
            if isinstance(parent, list):
                parent.insert(len(parent) if last == "-" else int(last), value)
            else:
                parent[last] = value
        elif op == "replace":
            if isinstance(parent, list):
                parent[int(last)] = copy.deepcopy(operation["value"])
            elif last in parent:
                parent[last] = copy.deepcopy(operation["value"])
            else:
                raise RenderError(f"{where}: replace {path}: nothing there")
        elif op == "remove":
            try:
                del parent[int(last) if isinstance(parent, list) else last]
            except (KeyError, IndexError):
                raise RenderError(f"{where}: remove {path}: nothing there")
        else:
            raise RenderError(f"{where}: kustomize_lite does not support the patch operation {op!r}")


def _matches(obj, target):
    group_version = obj.get("apiVersion", "")
    group, _, version = group_version.rpartition("/")
    return (obj.get("kind") == target.get("kind")
            and obj.get("metadata", {}).get("name") == target.get("name")
            and ("group" not in target or target["group"] == group)
            and ("version" not in target or target["version"] == version))


def render(folder, root=None, info=None):
    """The objects of the kustomization in `folder`, in kustomize's order (resources, then
    generated objects), each with `_file` (the file it came from, relative to `root`)."""
    folder = os.path.abspath(folder)
    root = root or folder
    info = info or Rendered()
    label = os.path.relpath(folder, root)
    label = "" if label == "." else label
    kustomization = _load_kustomization(folder)
    objects, listed = [], set()
    for resource in kustomization.get("resources", []) or []:
        path = os.path.normpath(os.path.join(folder, resource))
        listed.add(os.path.basename(path))
        if os.path.isdir(path):
            objects += render(path, root, info)[0]
        elif os.path.isfile(path):
            with open(path) as handle:
                for document in yaml.safe_load_all(handle):
                    if document is not None:
                        document["_file"] = os.path.relpath(path, root)
                        objects.append(document)
        else:
            raise RenderError(f"{os.path.join(label, 'kustomization.yaml')} lists {resource}, which does not exist")
    for kind, field in (("Secret", "secretGenerator"), ("ConfigMap", "configMapGenerator")):
        for generator in kustomization.get(field, []) or []:
            obj = _generated_object(kind, generator, folder, info, label)
            obj["_file"] = os.path.join(label, "kustomization.yaml")
            objects.append(obj)
    for patch in kustomization.get("patches", []) or []:
        if "path" not in patch or "target" not in patch:
            raise RenderError(f"{label}: kustomize_lite supports only patches with a path and a target")
        listed.add(patch["path"])
        with open(os.path.join(folder, patch["path"])) as handle:
            operations = yaml.safe_load(handle)
        if not isinstance(operations, list):
            raise RenderError(f"{os.path.join(label, patch['path'])}: not a JSON 6902 patch (a list of operations)")
        targets = [o for o in objects if _matches(o, patch["target"])]
        if not targets:
            raise RenderError(f"{os.path.join(label, patch['path'])}: its target {patch['target']} matches no object")
        for obj in targets:
            apply_json_patch(obj, operations, os.path.join(label, patch["path"]))
    namespace = kustomization.get("namespace")
    if namespace:
        info.namespace = namespace
        for obj in objects:
            if obj.get("kind") in NAMESPACED:
                obj.setdefault("metadata", {})["namespace"] = namespace
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml")) and name != "kustomization.yaml" and name not in listed:
            info.unlisted.append(os.path.join(label, name))
    return objects, info


def plain(objects):
    """The objects without the `_file` bookkeeping, for validation and comparison."""
    return [{k: v for k, v in o.items() if k != "_file"} for o in objects]
