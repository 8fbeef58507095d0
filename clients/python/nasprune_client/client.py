"""A small layer over the generated stubs of the NasController API.

- Client(address, ...) connects, in plaintext or with TLS (CA, and a client
  certificate and key for mutual TLS), and sends a bearer token when given.
- submit() takes a spec as a dict, YAML text, a file path or a JobSpec; the
  short enum names of the YAML specs ("accuracy", "joint", "stride2") are
  accepted as the CLI accepts them. A request id is generated when none is
  given and the call is retried with it while the controller is unreachable,
  so one submit creates one job.
- events() iterates a job's events, reconnecting after a dropped stream
  from the last event seen (none lost, none repeated); wait() follows a job
  to its end.
- download_model() writes a trial's exported TorchScript archive, checking
  its size and SHA-256 before it appears under the path.
"""

import hashlib
import os
import sys
import time
import uuid

_PROTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_proto")
if _PROTO not in sys.path:
    sys.path.insert(0, _PROTO)

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from nasprune.v1 import controller_pb2, controller_pb2_grpc  # noqa: E402
from nasprune.v1 import job_pb2  # noqa: E402

try:  # grpcio-health-checking's, when installed: one definition only.
    from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
except ImportError:
    import health_pb2  # noqa: E402
    import health_pb2_grpc  # noqa: E402


class messages:  # noqa: N801 (a namespace)
    """The generated message modules."""

    job = job_pb2
    controller = controller_pb2
    health = health_pb2


class ClientError(Exception):
    """A call failed: `code` is the grpc.StatusCode, the message the
    controller's (or the channel's when it could not be reached)."""

    def __init__(self, code, message):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.details = message


class ChecksumError(ClientError):
    """A downloaded model does not match its announced size or SHA-256."""

    def __init__(self, message):
        super().__init__(grpc.StatusCode.DATA_LOSS, message)


_FINAL_JOB_STATES = {
    job_pb2.JOB_STATE_SUCCEEDED,
    job_pb2.JOB_STATE_FAILED,
    job_pb2.JOB_STATE_CANCELLED,
}


def _enum_prefix(enum_type):
    """METRIC_ for Metric, SEARCH_MODE_ for SearchMode (as the C++ YAML
    reader names them)."""
    out = ""
    for c in enum_type.name:
        if c.isupper() and out:
            out += "_"
        out += c.upper()
    return out + "_"


def _expand(descriptor, value, path):
    """`value` (from YAML or a dict) with short enum names made full."""
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        field = descriptor.fields_by_name.get(key)
        if field is None:
            raise ValueError(f"{path}{key}: unknown field")
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            out[key] = {k: _expand_one(value_field, v, f"{path}{key}.{k}.")
                        for k, v in (item or {}).items()}
        elif field.label == field.LABEL_REPEATED and isinstance(item, list):
            out[key] = [_expand_one(field, v, f"{path}{key}[{i}].")
                        for i, v in enumerate(item)]
        else:
            out[key] = _expand_one(field, item, f"{path}{key}.")
    return out


def _expand_one(field, item, path):
    if field.enum_type is not None and isinstance(item, str):
        names = {v.name for v in field.enum_type.values}
        if item in names:
            return item
        full = _enum_prefix(field.enum_type) + item.upper()
        if full in names:
            return full
        short = sorted(v.name[len(_enum_prefix(field.enum_type)):].lower()
                       for v in field.enum_type.values if v.number != 0)
        raise ValueError(f"{path[:-1]}: \"{item}\" is not one of "
                         + ", ".join(short))
    if field.message_type is not None:
        return _expand(field.message_type, item if item is not None else {},
                       path)
    return item


def spec_from_dict(spec):
    """A JobSpec from a dict in the form of the YAML specs (docs/job-spec.md).
    ValueError naming the field when it does not fit the message."""
    expanded = _expand(job_pb2.JobSpec.DESCRIPTOR, spec, "")
    try:
        return json_format.ParseDict(expanded, job_pb2.JobSpec())
    except json_format.ParseError as e:
        raise ValueError(str(e)) from None


def spec_from_yaml(text):
    """A JobSpec from YAML (or JSON) text."""
    import yaml  # Debian's python3-yaml; only needed for YAML specs.

    value = yaml.safe_load(text)
    if not isinstance(value, dict):
        raise ValueError("a job spec is a map of fields")
    return spec_from_dict(value)


def _as_spec(spec):
    if isinstance(spec, job_pb2.JobSpec):
        return spec
    if isinstance(spec, dict):
        return spec_from_dict(spec)
    if isinstance(spec, str) and "\n" not in spec and os.path.exists(spec):
        with open(spec, encoding="utf-8") as f:
            return spec_from_yaml(f.read())
    if isinstance(spec, str):
        return spec_from_yaml(spec)
    raise TypeError("spec: a dict, YAML text, a file path or a JobSpec")


class Client:
    """A connection to one nasprune controller."""

    def __init__(self, address="127.0.0.1:50051", *, root_certificates=None,
                 private_key=None, certificate_chain=None, token=None,
                 timeout=30.0):
        """`root_certificates` (PEM bytes or a path) turns TLS on; with
        `private_key` and `certificate_chain` the client presents its own
        certificate (mutual TLS). `token` is sent as "authorization: Bearer
        TOKEN" on every call. `timeout` bounds each unary call, in seconds."""
        address = _with_port(address)
        self.address = address
        self.timeout = timeout
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        if root_certificates or certificate_chain:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_pem(root_certificates),
                private_key=_pem(private_key),
                certificate_chain=_pem(certificate_chain))
            self._channel = grpc.secure_channel(address, credentials)
        else:
            self._channel = grpc.insecure_channel(address)
        self._stub = controller_pb2_grpc.NasControllerStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *unused):
        self.close()

    def _call(self, method, request):
        try:
            return method(request, timeout=self.timeout,
                          metadata=self._metadata)
        except grpc.RpcError as e:
            raise ClientError(e.code(), e.details()) from None

    # Jobs.

    def submit(self, spec, request_id=None, attempts=4):
        """Submits a job; its JobStatus. Retried with the same request id
        while the controller is unreachable or slow."""
        request = controller_pb2.SubmitJobRequest(
            spec=_as_spec(spec),
            request_id=request_id or f"py-{uuid.uuid4().hex[:16]}")
        for attempt in range(1, attempts + 1):
            try:
                return self._call(self._stub.SubmitJob, request).job
            except ClientError as e:
                retry = e.code in (grpc.StatusCode.UNAVAILABLE,
                                   grpc.StatusCode.DEADLINE_EXCEEDED)
                if not retry or attempt == attempts:
                    raise
                time.sleep(0.25 * 2 ** attempt)

    def get_job(self, job_id):
        return self._call(self._stub.GetJob,
                          controller_pb2.GetJobRequest(job_id=job_id))

    def list_jobs(self, states=()):
        """Every job (in `states`, all when empty), newest first."""
        request = controller_pb2.ListJobsRequest(states=states, page_size=1000)
        while True:
            page = self._call(self._stub.ListJobs, request)
            yield from page.jobs
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def cancel(self, job_id, reason=""):
        return self._call(self._stub.CancelJob, controller_pb2.CancelJobRequest(
            job_id=job_id, reason=reason))

    def trials(self, job_id, states=()):
        """Every trial of the job, in creation order."""
        request = controller_pb2.ListTrialsRequest(
            job_id=job_id, states=states, page_size=2000)
        out = []
        while True:
            page = self._call(self._stub.ListTrials, request)
            out.extend(page.trials)
            if not page.next_page_token:
                return out
            request.page_token = page.next_page_token

    def pareto_front(self, job_id):
        return self._call(self._stub.GetParetoFront,
                          controller_pb2.GetParetoFrontRequest(job_id=job_id))

    def models(self, job_id):
        """The job's downloadable models: (trial id to download, the result
        the model scored), one per front member with a model. A member's
        model is its export's when the export ran (the export trains its
        genome again at its rung, promoted_from naming it; a promotion's
        rung is higher), else its own kept one."""
        with_model = {p.trial_id for p in self.pareto_front(job_id).points
                      if p.has_model}
        trials = self.trials(job_id)
        rung = {t.trial_id: t.rung for t in trials}
        exports = {t.promoted_from: t for t in trials
                   if rung.get(t.promoted_from) == t.rung
                   and t.state == job_pb2.TRIAL_STATE_SUCCEEDED}
        return [(t.trial_id, exports.get(t.trial_id, t).result)
                for t in trials if t.trial_id in with_model]

    def workers(self):
        return list(self._call(self._stub.ListWorkers,
                               controller_pb2.ListWorkersRequest()).workers)

    def health(self, service=""):
        """The health service's answer for `service` ("" = the server):
        "SERVING", "NOT_SERVING", ..."""
        response = self._call(self._health.Check,
                              health_pb2.HealthCheckRequest(service=service))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(
            response.status)

    # Following a job.

    def events(self, job, after_sequence=None, from_first_event=False,
               reconnects=60):
        """The job's events until it ends (the stream then closes).

        `job` is a job id or a JobStatus (as submit() returns it). From a
        JobStatus the events start right after it (its last_sequence), so
        nothing the job did since is missed; from an id, a fresh watch starts
        with a snapshot (sequence 0) of the current status, or with the
        job's first event when `from_first_event`. `after_sequence` resumes
        after a known event. A dropped stream is resumed after the last
        event seen; an event is never yielded twice."""
        job_id, after = _job_and_sequence(job, after_sequence)
        first = from_first_event and after == 0
        for attempt in range(reconnects + 1):
            request = controller_pb2.WatchJobRequest(
                job_id=job_id, after_sequence=after,
                from_first_event=first and after == 0)
            try:
                for event in self._stub.WatchJob(request,
                                                 metadata=self._metadata):
                    if event.sequence and event.sequence <= after:
                        continue
                    after = max(after, event.sequence)
                    yield event
                return
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNAVAILABLE or \
                        attempt == reconnects:
                    raise ClientError(e.code(), e.details()) from None
                time.sleep(1)

    def wait(self, job, on_event=None):
        """Follows the job (an id, or the JobStatus submit() returned: then
        every event after it) to its end; its final JobStatus. `on_event` is
        called with each event."""
        for event in self.events(job):
            if on_event is not None:
                on_event(event)
        return self.get_job(_job_and_sequence(job, None)[0])

    # Models.

    def download_model(self, trial_id, path):
        """Writes the trial's exported model to `path` once its size and
        SHA-256 check out; returns (bytes, sha256). ChecksumError when they
        do not (nothing is left at `path`)."""
        part = path + ".part"
        digest = hashlib.sha256()
        total, want_size, want_sha = 0, None, None
        try:
            with open(part, "wb") as out:
                for chunk in self._stub.DownloadModel(
                        controller_pb2.DownloadModelRequest(trial_id=trial_id),
                        metadata=self._metadata):
                    if want_size is None:
                        want_size, want_sha = chunk.total_bytes, chunk.sha256
                    out.write(chunk.data)
                    digest.update(chunk.data)
                    total += len(chunk.data)
            if total != want_size or digest.hexdigest() != want_sha:
                raise ChecksumError(
                    f"{trial_id}: got {total} bytes, sha256 "
                    f"{digest.hexdigest()}; announced {want_size} bytes, "
                    f"sha256 {want_sha}")
            os.replace(part, path)
            return total, want_sha
        except grpc.RpcError as e:
            raise ClientError(e.code(), e.details()) from None
        finally:
            if os.path.exists(part):
                os.remove(part)


def _with_port(address):
    """`address` with the default port 50051 when it names none; a bare IPv6
    address ("::1") is put in brackets first."""
    if address.count(":") > 1 and not address.startswith("["):
        return f"[{address}]:50051"
    if ":" not in address.rsplit("]", 1)[-1]:
        return address + ":50051"
    return address


def _job_and_sequence(job, after_sequence):
    """(job id, the sequence to watch after) for a job id or a JobStatus."""
    if isinstance(job, job_pb2.JobStatus):
        after = job.last_sequence if after_sequence is None else after_sequence
        return job.job_id, after
    return job, after_sequence or 0


def _pem(value):
    if value is None or isinstance(value, bytes):
        return value
    with open(value, "rb") as f:
        return f.read()


def is_final(state):
    """Whether a JobState is final."""
    return state in _FINAL_JOB_STATES
