"""Checks deploy/kubernetes/ beyond its schema: what a schema cannot say.

Usage: kube_check.py DIR GPUMETER_BINARY. Prints one line per problem, each
naming the file, the object and the container, and exits 1 if any; else
prints "ok N containers" and exits 0. Run with the kubernetes-validate
virtual environment's python (it has PyYAML).

- Each gpumeter container's args are a real subcommand (`gpumeter <cmd>
  --help` prints its usage) followed by flags that help lists, so the
  manifests cannot drift from the command line.
- Each pod runs as the gpumeter ServiceAccount with no token mounted, as a
  non-root user under RuntimeDefault seccomp, and each of its containers
  (init containers too) refuses privilege escalation, drops ALL
  capabilities and has a read-only root filesystem.
- A probe's port is one of its container's ports, named by --listen or
  --metrics in its args, so a probe cannot watch a port nothing serves.
"""
import glob
import os
import re
import subprocess
import sys

import yaml

WORKLOADS = {"DaemonSet", "Deployment", "StatefulSet", "Job"}


def help_of(binary, words, cache={}):
    """The --help text of `gpumeter WORDS`, or None if it is no subcommand."""
    key = tuple(words)
    if key not in cache:
        p = subprocess.run([binary, *words, "--help"], capture_output=True, text=True)
        usage = "usage: gpumeter " + " ".join(words)
        ok = p.returncode == 0 and p.stdout.startswith(usage)
        cache[key] = p.stdout if ok else None
    return cache[key]


def check_args(binary, args, where, problems):
    words = []
    for a in args:  # the subcommand is the leading words before a flag or URL
        if a.startswith("-") or "/" in a or "$(" in a:
            break
        words.append(a)
    if not words:
        problems.append(f"{where}: args {args} name no gpumeter subcommand")
        return
    # the longest leading run of words that is a subcommand ("collect dcgm")
    while words and help_of(binary, words) is None:
        words.pop()
    if not words:
        problems.append(f"{where}: '{args[0]}' is not a gpumeter subcommand (gpumeter {args[0]} --help)")
        return
    text = help_of(binary, words)
    known = set(re.findall(r"^\s+(--[a-z][a-z-]*)", text, re.M))
    for a in args[len(words):]:
        if a.startswith("--"):
            flag = a.split("=", 1)[0]
            if flag not in known:
                problems.append(f"{where}: gpumeter {' '.join(words)} has no flag {flag} "
                                f"(its --help lists {' '.join(sorted(known))})")


def check_security(ctx, where, problems):
    ctx = ctx or {}
    want = {"runAsNonRoot": True, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False}
    for k, v in want.items():
        if ctx.get(k) is not v:
            problems.append(f"{where}: securityContext.{k} must be {str(v).lower()}, got {ctx.get(k)}")
    if (ctx.get("capabilities") or {}).get("drop") != ["ALL"]:
        problems.append(f"{where}: securityContext.capabilities.drop must be [ALL], got "
                        f"{(ctx.get('capabilities') or {}).get('drop')}")
    if (ctx.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append(f"{where}: securityContext.seccompProfile.type must be RuntimeDefault")


def check_pod(spec, where, binary, problems):
    if spec.get("serviceAccountName") != "gpumeter":
        problems.append(f"{where}: serviceAccountName must be gpumeter, got {spec.get('serviceAccountName')}")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{where}: automountServiceAccountToken must be false")
    pod = spec.get("securityContext") or {}
    if pod.get("runAsNonRoot") is not True or not pod.get("runAsUser"):
        problems.append(f"{where}: the pod must run as a non-root user (runAsNonRoot, runAsUser)")
    if (pod.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append(f"{where}: the pod's seccompProfile.type must be RuntimeDefault")
    n = 0
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        cw = f"{where} container {c['name']}"
        check_security(c.get("securityContext"), cw, problems)
        n += 1
        if "command" in c:  # the init container's shell, not gpumeter
            continue
        args = [str(a) for a in c.get("args", [])]
        check_args(binary, args, cw, problems)
        served = {str(p["containerPort"]) for p in c.get("ports", [])}
        names = {p["name"]: str(p["containerPort"]) for p in c.get("ports", []) if "name" in p}
        listened = {a.rsplit(":", 1)[1] for i, a in enumerate(args)
                    if i > 0 and args[i - 1] in ("--listen", "--metrics")}
        for probe in ("readinessProbe", "livenessProbe"):
            get = (c.get(probe) or {}).get("httpGet")
            if not get:
                continue
            port = names.get(str(get["port"]), str(get["port"]))
            if port not in served or port not in listened:
                problems.append(f"{cw}: {probe} port {get['port']} is not a port its args listen on "
                                f"(--listen/--metrics: {sorted(listened)})")
    return n


def main():
    root, binary = sys.argv[1], sys.argv[2]
    problems, containers = [], 0
    for path in sorted(glob.glob(os.path.join(root, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") not in WORKLOADS:
                    continue
                where = f"{os.path.basename(path)} {doc['kind']}/{doc['metadata']['name']}"
                spec = doc["spec"]["template"]["spec"]
                containers += check_pod(spec, where, binary, problems)
    for p in problems:
        print(p)
    if containers == 0:
        print(f"no workload found in {root}")
        return 1
    if problems:
        return 1
    print(f"ok {containers} containers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
