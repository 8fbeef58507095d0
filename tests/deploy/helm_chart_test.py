"""The Helm chart (helm/nasprune), rendered and checked without a cluster.

Each case renders the chart with tests/deploy/helm_render (Helm's engine:
Go text/template + sprig) in strict mode, so a template that reads a value
values.yaml does not define fails; checks the merged values against
values.schema.json; validates every rendered object against the Kubernetes
API schema of its apiVersion/kind (kubernetes-validate, strict: unknown
fields are errors); and asserts what each case must produce.

Run by CTest with the deploy virtual environment's python (install-deps.sh):
  HELM_RENDER=build/bin/helm-render python3 tests/deploy/helm_chart_test.py
"""

import json
import os
import pathlib
import subprocess
import tempfile
import unittest

import jsonschema
import kubernetes_validate
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "nasprune"
VALUES = ROOT / "tests" / "deploy" / "helm_values"
RENDER = os.environ.get("HELM_RENDER", str(ROOT / "build" / "bin" / "helm-render"))
KUBE_VERSION = "1.29.0"

# ServiceMonitor is a CRD of the prometheus-operator, which kubernetes-validate
# does not carry: the fields the chart sets, checked here.
SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "endpoints"],
            "properties": {
                "jobLabel": {"type": "string"},
                "selector": {"type": "object"},
                "namespaceSelector": {"type": "object"},
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["port"],
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string"},
                            "interval": {"type": "string",
                                         "pattern": "^[0-9]+(ms|s|m|h)$"},
                        },
                    },
                },
            },
        }
    },
}


# PrometheusRule, the other prometheus-operator CRD the chart renders: rule
# groups as Prometheus reads them (promtool checks the rules themselves).
PROMETHEUS_RULE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["groups"],
            "properties": {"groups": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "required": ["name", "rules"],
                "properties": {"rules": {"type": "array", "minItems": 1, "items": {
                    "type": "object",
                    "required": ["alert", "expr"],
                }}},
            }}},
        }
    },
}
CRD_SCHEMAS = {"ServiceMonitor": SERVICE_MONITOR_SCHEMA,
               "PrometheusRule": PROMETHEUS_RULE_SCHEMA}


def render(*args, chart=CHART):
    """(manifests, merged values, stderr, exit code) of one render."""
    with tempfile.TemporaryDirectory() as tmp:
        values_out = os.path.join(tmp, "values.json")
        proc = subprocess.run(
            [RENDER, "--strict", "--kube-version", KUBE_VERSION,
             "--release", "ml", "--namespace", "search",
             "--values-out", values_out, *args, str(chart)],
            capture_output=True, text=True, check=False)
        values = None
        if os.path.exists(values_out):
            with open(values_out) as f:
                values = json.load(f)
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d] \
        if proc.returncode == 0 else []
    return docs, values, proc.stderr, proc.returncode


def schema_errors(values):
    with open(CHART / "values.schema.json") as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message
            for e in validator.iter_errors(values)]


def validate_object(obj):
    if obj["kind"] in CRD_SCHEMAS:
        jsonschema.validate(obj, CRD_SCHEMAS[obj["kind"]])
        return
    kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def named(docs, kind, suffix):
    found = [d for d in by_kind(docs, kind)
             if d["metadata"]["name"].endswith(suffix)]
    assert len(found) == 1, f"{kind} *{suffix}: {len(found)} found"
    return found[0]


def container(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]


def arg(c, flag):
    """The value of --flag=value in a container's args."""
    for a in c["args"]:
        if a.startswith(flag + "="):
            return a[len(flag) + 1:]
    raise AssertionError(f"{flag} not in {c['args']}")


class RenderedCase(unittest.TestCase):
    """Every values file renders, passes the schema and validates."""

    CASES = {
        "defaults": [],
        "external-redis": ["-f", str(VALUES / "external-redis.yaml")],
        "gpu-workers": ["-f", str(VALUES / "gpu-workers.yaml")],
        "cpu-workers": ["-f", str(VALUES / "cpu-workers.yaml")],
        "no-servicemonitor": ["-f", str(VALUES / "no-servicemonitor.yaml")],
    }

    @classmethod
    def setUpClass(cls):
        cls.rendered = {}
        for name, args in cls.CASES.items():
            docs, values, stderr, rc = render(*args)
            assert rc == 0, f"{name}: {stderr}"
            cls.rendered[name] = (docs, values)

    def test_values_match_the_schema(self):
        for name, (_, values) in self.rendered.items():
            with self.subTest(case=name):
                self.assertEqual(schema_errors(values), [])

    def test_every_object_validates_against_its_api_schema(self):
        for name, (docs, _) in self.rendered.items():
            for obj in docs:
                with self.subTest(case=name, kind=obj["kind"],
                                  name=obj["metadata"]["name"]):
                    validate_object(obj)

    def test_objects_carry_the_release_labels_and_unique_names(self):
        for name, (docs, _) in self.rendered.items():
            keys = [(d["kind"], d["metadata"]["name"]) for d in docs]
            self.assertEqual(len(keys), len(set(keys)), name)
            for d in docs:
                labels = d["metadata"]["labels"]
                self.assertEqual(labels["app.kubernetes.io/instance"], "ml")
                self.assertEqual(labels["app.kubernetes.io/managed-by"], "Helm")

    def test_defaults(self):
        docs, _ = self.rendered["defaults"]
        controller = named(docs, "Deployment", "-controller")
        self.assertEqual(controller["spec"]["replicas"], 1)
        self.assertEqual(controller["spec"]["strategy"]["type"], "Recreate")
        c = container(controller)
        self.assertEqual(c["image"], "nasprune/controller:0.1.0")
        self.assertEqual(arg(c, "--redis"), "ml-nasprune-redis:6379")
        self.assertEqual(arg(c, "--metrics-address"), "0.0.0.0:9090")
        self.assertEqual(c["readinessProbe"]["grpc"],
                         {"port": 50051, "service": "nasprune.v1.NasController"})
        self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/healthz")
        service = named(docs, "Service", "-controller")
        self.assertEqual({p["name"]: p["port"] for p in service["spec"]["ports"]},
                         {"grpc": 50051, "metrics": 9090})

        workers = named(docs, "Deployment", "-worker")
        self.assertEqual(workers["spec"]["replicas"], 2)
        w = container(workers)
        self.assertEqual(w["image"], "nasprune/worker-cuda:0.1.0")
        self.assertEqual(w["resources"]["limits"]["nvidia.com/gpu"], 1)
        self.assertEqual(arg(w, "--device"), "cuda:0")
        self.assertEqual(arg(w, "--slots"), "1")
        self.assertEqual(arg(w, "--controller"), "ml-nasprune-controller:50051")
        self.assertEqual(arg(w, "--advertise"), "$(POD_IP):50052")
        self.assertEqual(w["readinessProbe"]["httpGet"]["path"], "/readyz")
        self.assertIn("grpc", w["livenessProbe"])
        pod = workers["spec"]["template"]["spec"]
        self.assertIn("nvidia.com/gpu", [t["key"] for t in pod["tolerations"]])
        # A stop drains first, for the grace period less 10 s.
        self.assertEqual(pod["terminationGracePeriodSeconds"], 60)
        self.assertEqual(w["lifecycle"]["preStop"]["exec"]["command"],
                         ["/usr/bin/nasprune-worker", "drain",
                          "--worker=127.0.0.1:50052", "--timeout-seconds=50"])

        redis = named(docs, "StatefulSet", "-redis")
        args = container(redis)["args"]
        self.assertEqual(args[args.index("--appendonly") + 1], "yes")
        claim = redis["spec"]["volumeClaimTemplates"][0]
        self.assertEqual(claim["spec"]["resources"]["requests"]["storage"], "8Gi")

        pvc = named(docs, "PersistentVolumeClaim", "-artifacts")
        self.assertEqual(pvc["spec"]["accessModes"], ["ReadWriteMany"])
        for d in (controller, workers):
            volumes = d["spec"]["template"]["spec"]["volumes"]
            self.assertIn({"name": "artifacts", "persistentVolumeClaim":
                           {"claimName": pvc["metadata"]["name"]}}, volumes)

        monitor = by_kind(docs, "ServiceMonitor")[0]
        self.assertEqual(monitor["spec"]["endpoints"][0]["port"], "metrics")
        # The scrape jobs the alert rules and the dashboard select on.
        jobs = {named(docs, "Service", suffix)["metadata"]["labels"].get(
            monitor["spec"]["jobLabel"]) for suffix in ("-controller", "-worker")}
        self.assertEqual(jobs, {"nasprune-controller", "nasprune-worker"})
        rule = by_kind(docs, "PrometheusRule")[0]
        with open(ROOT / "deploy" / "prometheus" / "alerts.yml") as f:
            self.assertEqual(rule["spec"], yaml.safe_load(f))
        dashboard = named(docs, "ConfigMap", "-dashboard")
        self.assertEqual(dashboard["metadata"]["labels"]["grafana_dashboard"], "1")
        with open(ROOT / "deploy" / "grafana" / "nasprune.json") as f:
            self.assertEqual(json.loads(dashboard["data"]["nasprune.json"]),
                             json.load(f))

    def test_network_policies(self):
        docs, _ = self.rendered["defaults"]
        policies = {p["metadata"]["name"].rsplit("-", 1)[1]: p
                    for p in by_kind(docs, "NetworkPolicy")}
        self.assertEqual(set(policies), {"controller", "worker", "redis"})

        def peers(policy, port):
            rule = [r for r in policy["spec"]["ingress"]
                    if r["ports"] == [{"port": port}]]
            self.assertEqual(len(rule), 1)
            return rule[0].get("from")

        component = "app.kubernetes.io/component"
        only_controller = [{"podSelector": {"matchLabels": {
            "app.kubernetes.io/name": "nasprune",
            "app.kubernetes.io/instance": "ml", component: "controller"}}}]
        self.assertEqual(peers(policies["worker"], "grpc"), only_controller)
        self.assertEqual(peers(policies["redis"], "redis"), only_controller)
        self.assertIsNone(peers(policies["controller"], "grpc"))  # Anyone.
        for p in policies.values():
            if p is policies["redis"]:
                continue
            self.assertEqual(
                peers(p, "metrics")[0]["podSelector"],
                {"matchLabels": {"app.kubernetes.io/name": "prometheus"}})

    def test_external_redis(self):
        docs, _ = self.rendered["external-redis"]
        self.assertEqual(by_kind(docs, "StatefulSet"), [])
        c = container(named(docs, "Deployment", "-controller"))
        self.assertEqual(arg(c, "--redis"), "redis.data.svc.cluster.local:6380")
        self.assertNotIn("redis", [p["metadata"]["name"].rsplit("-", 1)[1]
                                   for p in by_kind(docs, "NetworkPolicy")])

    def test_gpu_workers(self):
        docs, _ = self.rendered["gpu-workers"]
        workers = named(docs, "Deployment", "-worker")
        self.assertEqual(workers["spec"]["replicas"], 8)
        w = container(workers)
        self.assertEqual(w["image"],
                         "registry.example.com/ml/nasprune/worker-cuda:0.1.0-cuda12")
        self.assertEqual(w["resources"]["limits"],
                         {"memory": "32Gi", "nvidia.com/gpu": 1})
        self.assertEqual(arg(w, "--slots"), "2")
        pod = workers["spec"]["template"]["spec"]
        self.assertEqual(pod["nodeSelector"],
                         {"node.kubernetes.io/instance-type": "gpu-h200"})
        self.assertEqual(pod["imagePullSecrets"], [{"name": "registry-credentials"}])
        self.assertIn({"name": "datasets", "persistentVolumeClaim": {
            "claimName": "nasprune-datasets", "readOnly": True}}, pod["volumes"])
        self.assertEqual(by_kind(docs, "PersistentVolumeClaim"), [])
        self.assertIn({"name": "artifacts", "persistentVolumeClaim":
                       {"claimName": "shared-models"}}, pod["volumes"])

    def test_cpu_workers(self):
        docs, _ = self.rendered["cpu-workers"]
        w = container(named(docs, "Deployment", "-worker"))
        self.assertEqual(w["image"], "nasprune/worker-cpu:0.1.0")
        self.assertEqual(arg(w, "--device"), "cpu")
        self.assertNotIn("nvidia.com/gpu", w["resources"].get("limits", {}))
        policy = named(docs, "NetworkPolicy", "-controller")
        api = [r for r in policy["spec"]["ingress"]
               if r["ports"] == [{"port": "grpc"}]][0]
        # The users' namespace, and the workers (they register on it).
        self.assertEqual(len(api["from"]), 2)

    def test_no_service_monitor(self):
        docs, _ = self.rendered["no-servicemonitor"]
        for kind in ("ServiceMonitor", "PrometheusRule", "NetworkPolicy",
                     "ConfigMap"):
            self.assertEqual(by_kind(docs, kind), [], kind)
        service = named(docs, "Service", "-controller")
        self.assertEqual(service["spec"]["type"], "LoadBalancer")


class Rejections(unittest.TestCase):
    """Bad values are refused, naming the value."""

    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_schema_names_the_bad_value(self):
        cases = {
            "workers:\n  device: tpu\n": "workers/device",
            "controller:\n  replicas: 2\n": "controller/replicas",
            "controller:\n  grpcPort: 70000\n": "controller/grpcPort",
            "workers:\n  slots: 0\n": "workers/slots",
            "artifacts:\n  size: lots\n": "artifacts/size",
            "workers:\n  gpus: 2\n": "workers",  # Not a value of the chart.
            "redis:\n  enabled: false\n": "redis/external/host",
        }
        for text, path in cases.items():
            with self.subTest(values=text):
                _, values, _, _ = render("-f", self.write(text))
                errors = schema_errors(values)
                self.assertTrue(any(e.startswith(path) for e in errors), errors)

    def test_external_redis_needs_a_host(self):
        _, _, stderr, rc = render("-f", self.write("redis:\n  enabled: false\n"))
        self.assertNotEqual(rc, 0)
        self.assertIn("redis.external.host is required", stderr)

    def test_strict_render_finds_a_value_the_templates_read_but_values_lack(self):
        # A null in a values file deletes the key, as in Helm.
        _, _, stderr, rc = render(
            "-f", self.write("workers:\n  cpuCacheMiB: null\n"))
        self.assertNotEqual(rc, 0)
        self.assertIn("cpuCacheMiB", stderr)

    def test_every_value_is_read_by_a_template(self):
        # The other direction: a value no template reads is dead weight
        # (or a template that forgot it).
        text = "\n".join(p.read_text() for p in (CHART / "templates").iterdir())
        _, values, _, _ = render()

        def leaves(node, path):
            if isinstance(node, dict) and node:
                for k, v in node.items():
                    yield from leaves(v, path + [k])
            else:
                yield path

        # A value passes when a template reads it or a map above it (such
        # as resources, handed to toYaml whole).
        for path in leaves(values, []):
            with self.subTest(value=".".join(path)):
                self.assertTrue(
                    any("." + key in text for key in path[1:] or path),
                    ".".join(path))

    def test_a_broken_object_fails_the_api_schema(self):
        docs, _, _, _ = render()
        controller = named(docs, "Deployment", "-controller")
        container(controller)["ports"][0]["containerPort"] = "grpc"
        with self.assertRaises(kubernetes_validate.ValidationError):
            validate_object(controller)
        docs, _, _, _ = render()
        controller = named(docs, "Deployment", "-controller")
        controller["spec"]["replica"] = 1  # Misspelt: strict finds it.
        with self.assertRaises(kubernetes_validate.ValidationError):
            validate_object(controller)


if __name__ == "__main__":
    unittest.main(verbosity=2)
