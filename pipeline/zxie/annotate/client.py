"""The doccano client of the annotation loop: doccano-client (its `beta` API, which needs no
pydantic) for what it covers — login, projects, label types, examples, spans, relations — and
direct REST calls on its session for what it lacks: an example's `score` (the order doccano shows
examples in), example states (the "done" mark), members, deleting an example. Every failure is one
line: ServerDown, AuthFailed, ProjectMissing or AnnotateError.
"""

from __future__ import annotations

from dataclasses import asdict

import requests
from doccano_client.beta import DoccanoClient
from doccano_client.beta.models.projects import Project, ProjectTypes
from doccano_client.beta.models.relation import Relation
from doccano_client.beta.models.relation_type import RelationType
from doccano_client.beta.models.span import Span
from doccano_client.beta.models.span_type import SpanType

SEQUENCE_LABELING = ProjectTypes.SEQUENCE_LABELING

from zxie.annotate import state as st
from zxie.annotate.errors import AnnotateError, AuthFailed, ProjectMissing, ServerDown


class Doccano:
    def __init__(self, url: str, username: str, password: str, timeout: float = 30):
        self.url, self.username, self.timeout = url.rstrip("/"), username, timeout
        self.client = DoccanoClient(self.url)
        try:
            self.client.login(username, password)
        except requests.HTTPError as err:
            code = err.response.status_code if err.response is not None else None
            if code in (400, 401, 403):
                raise AuthFailed(f"doccano at {self.url} rejected the credentials of user {username!r}") from None
            raise ServerDown(f"doccano at {self.url} answered login with HTTP {code}; is it a doccano server?") from None
        except (requests.RequestException, ValueError):
            raise ServerDown(f"doccano is not reachable at {self.url} (start it with `zxie annotate server start`)") from None
        self.http = self.client.client_session

    @classmethod
    def from_env(cls) -> Doccano:
        """Log in with DOCCANO_URL/USERNAME/PASSWORD, or the credentials file of the local server."""
        return cls(*st.credentials())

    # --- plumbing -----------------------------------------------------------------------
    def _call(self, what: str, fn, *args):
        """Run a doccano-client call with one-line errors."""
        try:
            return fn(*args)
        except requests.HTTPError as err:
            code = err.response.status_code if err.response is not None else "?"
            raise AnnotateError(f"doccano {what}: HTTP {code}: {str(err)[:200]}") from None
        except requests.RequestException:
            raise ServerDown(f"doccano stopped answering at {self.url}") from None

    def request(self, method: str, path: str, ok=(200, 201, 204), **kw):
        """A REST call on the logged-in session, for what doccano-client does not cover."""
        try:
            resp = self.http.request(method, f"{self.url}/v1/{path}", timeout=self.timeout, **kw)
        except requests.RequestException:
            raise ServerDown(f"doccano stopped answering at {self.url}") from None
        if resp.status_code not in ok:
            raise AnnotateError(f"doccano {method} /v1/{path}: HTTP {resp.status_code}: {resp.text[:200]}")
        return _json(resp) if resp.content else None

    def get(self, path: str, **params):
        return self.request("GET", path, params=params or None)

    def post(self, path: str, data: dict):
        return self.request("POST", path, json=data)

    def pages(self, path: str, **params):
        """Every item of a paginated list."""
        params = {"limit": 200, "offset": 0, **params}
        while True:
            page = self.get(path, **params)
            if isinstance(page, list):
                yield from page
                return
            yield from page["results"]
            if not page.get("next"):
                return
            params["offset"] += params["limit"]

    def _project(self, pid: int):
        return self._call("project", self.client.projects.get, pid)

    # --- projects -----------------------------------------------------------------------
    def find_project(self, name: str) -> dict | None:
        matches = [p for p in self._call("projects", lambda: list(self.client.projects.all())) if p.project.name == name]
        if not matches:
            return None
        found = min(matches, key=lambda p: p.id)
        return {"id": found.id, **asdict(found.project)}

    def project(self, name: str) -> dict:
        found = self.find_project(name)
        if found is None:
            raise ProjectMissing(f"no doccano project named {name!r} at {self.url}")
        return found

    def create_project(self, name: str, description: str, guideline: str = "") -> dict:
        spec = Project(name=name, description=description, project_type=ProjectTypes.SEQUENCE_LABELING,
                       guideline=guideline, use_relation=True, allow_overlapping=False, grapheme_mode=False,
                       collaborative_annotation=True, random_order=False)
        made = self._call("create project", self.client.projects.create, spec)
        return {"id": made.id, **asdict(made.project)}

    # --- label types --------------------------------------------------------------------
    def span_types(self, pid: int) -> list[dict]:
        return [{"id": t.id, **asdict(t.span_type)} for t in self._call("span types", lambda: list(self._project(pid).span_types.all()))]

    def relation_types(self, pid: int) -> list[dict]:
        return [{"id": t.id, **asdict(t.relation_type)}
                for t in self._call("relation types", lambda: list(self._project(pid).relation_types.all()))]

    def create_span_type(self, pid: int, spec: dict) -> dict:
        made = self._call("create span type", self._project(pid).span_types.create, SpanType(**spec))
        return {"id": made.id, **spec}

    def create_relation_type(self, pid: int, spec: dict) -> dict:
        made = self._call("create relation type", self._project(pid).relation_types.create, RelationType(**spec))
        return {"id": made.id, **spec}

    # --- examples and annotations -------------------------------------------------------
    def examples(self, pid: int, confirmed: bool | None = None):
        # doccano-client's listing drops the examples' meta, which carries our document ids
        params = {} if confirmed is None else {"confirmed": str(confirmed)}
        return self.pages(f"projects/{pid}/examples", **params)

    def create_example(self, pid: int, text: str, meta: dict, score: float | None = None) -> dict:
        # doccano-client's create sends text and meta only; the score orders the examples
        payload = {"text": text, "meta": meta}
        if score is not None:
            payload["score"] = score
        return self.request("POST", f"projects/{pid}/examples", json=payload)

    def _example(self, pid: int, eid: int):
        return self._call("example", self._project(pid).examples.get, eid)

    def spans(self, pid: int, eid: int) -> list[dict]:
        return [{"id": s.id, **asdict(s.span)} for s in self._call("spans", lambda: list(self._example(pid, eid).spans.all()))]

    def relations(self, pid: int, eid: int) -> list[dict]:
        return [{"id": r.id, **asdict(r.relation)}
                for r in self._call("relations", lambda: list(self._example(pid, eid).relations.all()))]

    def add_span(self, pid: int, eid: int, label_id: int, start: int, end: int) -> dict:
        made = self._call("add span", self._example(pid, eid).spans.create, Span(label_id, 1.0, start, end))
        return {"id": made.id, "label": label_id, "start_offset": start, "end_offset": end}

    def add_relation(self, pid: int, eid: int, type_id: int, from_span: int, to_span: int,
                     prob: float | None = None) -> dict:
        made = self._call("add relation", self._example(pid, eid).relations.create,
                          Relation(type_id, 1.0 if prob is None else prob, from_span, to_span))
        return {"id": made.id, "type": type_id, "from_id": from_span, "to_id": to_span}

    def delete_example(self, pid: int, eid: int) -> None:
        self.request("DELETE", f"projects/{pid}/examples/{eid}")

    def states(self, pid: int, eid: int) -> list[dict]:
        return list(self.pages(f"projects/{pid}/examples/{eid}/states"))

    def toggle_done(self, pid: int, eid: int) -> None:
        """Mark an example done, or not done if it was (doccano's checkmark toggles)."""
        self.request("POST", f"projects/{pid}/examples/{eid}/states", json={})

    # --- users --------------------------------------------------------------------------
    def members(self, pid: int) -> list[dict]:
        return self.get(f"projects/{pid}/members")


def _json(resp):
    try:
        return resp.json()
    except ValueError:
        return {}
