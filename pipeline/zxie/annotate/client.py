"""A small doccano REST client (requests, token authentication) with one-line errors.

Only what the annotation loop needs: projects, label types, examples, spans, relations,
example states (the "done" mark), users and members. Cookies are dropped after login: doccano
enforces CSRF on session-authenticated writes, while token-authenticated ones need none.
"""

from __future__ import annotations

import requests

from zxie.annotate import state as st
from zxie.annotate.errors import AnnotateError, AuthFailed, ProjectMissing, ServerDown

SEQUENCE_LABELING = "SequenceLabeling"


class Doccano:
    def __init__(self, url: str, username: str, password: str, timeout: float = 30):
        self.url, self.username, self.timeout = url.rstrip("/"), username, timeout
        self.http = requests.Session()
        try:
            resp = self.http.post(f"{self.url}/v1/auth/login/", json={"username": username, "password": password},
                                  timeout=timeout)
        except requests.RequestException:
            raise ServerDown(f"doccano is not reachable at {self.url} (start it with `zxie annotate server start`)") from None
        if resp.status_code in (400, 401, 403):
            raise AuthFailed(f"doccano at {self.url} rejected the credentials of user {username!r}")
        if resp.status_code != 200 or "key" not in _json(resp):
            raise ServerDown(f"doccano at {self.url} answered login with HTTP {resp.status_code}; is it a doccano server?")
        self.http.cookies.clear()
        self.http.headers["Authorization"] = f"Token {resp.json()['key']}"

    @classmethod
    def from_env(cls) -> Doccano:
        """Log in with DOCCANO_URL/USERNAME/PASSWORD, or the credentials file of the local server."""
        return cls(*st.credentials())

    # --- plumbing -----------------------------------------------------------------------
    def request(self, method: str, path: str, ok=(200, 201, 204), **kw):
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

    # --- projects -----------------------------------------------------------------------
    def find_project(self, name: str) -> dict | None:
        matches = [p for p in self.pages("projects") if p["name"] == name]
        return min(matches, key=lambda p: p["id"]) if matches else None

    def project(self, name: str) -> dict:
        found = self.find_project(name)
        if found is None:
            raise ProjectMissing(f"no doccano project named {name!r} at {self.url}")
        return found

    def create_project(self, name: str, description: str, guideline: str = "") -> dict:
        return self.post("projects", {
            "name": name, "description": description, "guideline": guideline,
            "project_type": SEQUENCE_LABELING, "resourcetype": "SequenceLabelingProject",
            "use_relation": True, "allow_overlapping": False, "grapheme_mode": False,
            "collaborative_annotation": True, "random_order": False,
        })

    # --- label types --------------------------------------------------------------------
    def span_types(self, pid: int) -> list[dict]:
        return self.get(f"projects/{pid}/span-types")

    def relation_types(self, pid: int) -> list[dict]:
        return self.get(f"projects/{pid}/relation-types")

    # --- examples and annotations -------------------------------------------------------
    def examples(self, pid: int, confirmed: bool | None = None):
        params = {} if confirmed is None else {"confirmed": str(confirmed)}
        return self.pages(f"projects/{pid}/examples", **params)

    def create_example(self, pid: int, text: str, meta: dict, score: float | None = None) -> dict:
        payload = {"text": text, "meta": meta}
        if score is not None:
            payload["score"] = score  # the order doccano shows examples in
        return self.post(f"projects/{pid}/examples", payload)

    def spans(self, pid: int, eid: int) -> list[dict]:
        return self.get(f"projects/{pid}/examples/{eid}/spans")

    def relations(self, pid: int, eid: int) -> list[dict]:
        return self.get(f"projects/{pid}/examples/{eid}/relations")

    def add_span(self, pid: int, eid: int, label_id: int, start: int, end: int) -> dict:
        return self.post(f"projects/{pid}/examples/{eid}/spans",
                         {"label": label_id, "start_offset": start, "end_offset": end, "example": eid})

    def add_relation(self, pid: int, eid: int, type_id: int, from_span: int, to_span: int,
                     prob: float | None = None) -> dict:
        data = {"type": type_id, "from_id": from_span, "to_id": to_span, "example": eid}
        if prob is not None:
            data["prob"] = prob
        return self.post(f"projects/{pid}/examples/{eid}/relations", data)

    def states(self, pid: int, eid: int) -> list[dict]:
        return list(self.pages(f"projects/{pid}/examples/{eid}/states"))

    def toggle_done(self, pid: int, eid: int) -> None:
        """Mark an example done, or not done if it was (doccano's checkmark toggles)."""
        self.post(f"projects/{pid}/examples/{eid}/states", {})

    # --- users --------------------------------------------------------------------------
    def members(self, pid: int) -> list[dict]:
        return self.get(f"projects/{pid}/members")


def _json(resp):
    try:
        return resp.json()
    except ValueError:
        return {}
