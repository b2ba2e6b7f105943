#!/usr/bin/env python3
"""A tiny stand-in for `alloy lsp`, used only to test the editor-side plumbing.

This is NOT the Alloy language server. It knows just enough to let the
Neovim end-to-end harness (e2e.lua) exercise attach, diagnostics, completion,
formatting and shutdown before the real server exists, and to check that the
harness fails loudly when a server misbehaves.

Usage: fake_alloy_lsp.py lsp

FAKE_ALLOY_MODE (comma-separated) injects faults / variants:
  pull-diagnostics  advertise diagnosticProvider and answer textDocument/diagnostic
                    instead of pushing textDocument/publishDiagnostics
  no-diagnostics    never report problems
  no-completion     return no completion items
  bad-format        format with spaces instead of tabs
  no-format         do not advertise documentFormattingProvider
  exit-on-init      exit with status 3 instead of answering initialize
  slow-init         wait 2 s before answering initialize
  utf8              offer positionEncoding utf-8 instead of the default utf-16
"""

import json
import re
import sys
import time

MODES = set(filter(None, __import__("os").environ.get("FAKE_ALLOY_MODE", "").split(",")))

COMPONENTS = [
    "discovery.kubernetes",
    "discovery.relabel",
    "loki.source.file",
    "loki.write",
    "prometheus.exporter.self",
    "prometheus.exporter.unix",
    "prometheus.remote_write",
    "prometheus.scrape",
]
ARGUMENTS = {
    "prometheus.scrape": ["targets", "forward_to", "job_name", "scrape_interval", "scrape_timeout"],
    "prometheus.remote_write": ["external_labels"],
    "logging": ["level", "format"],
}

documents = {}


def log(msg):
    sys.stderr.write("fake-alloy-lsp: %s\n" % msg)
    sys.stderr.flush()


def read_message(stream):
    headers = {}
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.decode("ascii").rstrip("\r\n")
        if line == "":
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    return json.loads(stream.read(length).decode("utf-8"))


def send(msg):
    body = json.dumps(msg).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body))
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


def respond(req, result=None, error=None):
    msg = {"jsonrpc": "2.0", "id": req["id"]}
    if error is not None:
        msg["error"] = error
    else:
        msg["result"] = result
    send(msg)


ATTR_THEN_IDENT = re.compile(r'^(\s*[A-Za-z_]\w*\s*=\s*(?:"[^"]*"|\S+))\s+([A-Za-z_]\w*)\s*=')


def diagnostics_for(text):
    """Only one check: two attributes on one line, reported like the Alloy parser does."""
    if "no-diagnostics" in MODES:
        return []
    out = []
    for i, line in enumerate(text.split("\n")):
        m = ATTR_THEN_IDENT.match(line)
        if m:
            col = m.start(2)
            out.append({
                "range": {"start": {"line": i, "character": col},
                          "end": {"line": i, "character": m.end(2)}},
                "severity": 1,
                "source": "fake-alloy",
                "message": "expected TERMINATOR, got IDENT",
            })
    return out


def publish(uri):
    if "pull-diagnostics" in MODES:
        return
    send({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
          "params": {"uri": uri, "diagnostics": diagnostics_for(documents.get(uri, ""))}})


HEADER = re.compile(r'^\s*([A-Za-z_][\w.]*)\s*(?:"[^"]*"\s*)?\{\s*$')


def enclosing_block(text, line):
    stack = []
    for l in text.split("\n")[:line]:
        m = HEADER.match(l)
        if m:
            stack.append(m.group(1))
        elif l.strip() == "}" and stack:
            stack.pop()
    return stack[-1] if stack else None


def completion(params):
    if "no-completion" in MODES:
        return []
    text = documents.get(params["textDocument"]["uri"], "")
    block = enclosing_block(text, params["position"]["line"])
    if block is None:
        return {"isIncomplete": False,
                "items": [{"label": c, "kind": 7} for c in COMPONENTS]}
    return {"isIncomplete": False,
            "items": [{"label": a, "kind": 10, "insertText": a + " = "} for a in ARGUMENTS.get(block, [])]}


def toy_format(text):
    """Indents by brace depth with tabs and aligns `=` in runs of attributes.

    A toy, good enough for the fixtures; the real formatter is `alloy fmt`.
    """
    indent_unit = "    " if "bad-format" in MODES else "\t"
    lines = [l.strip() for l in text.rstrip("\n").split("\n")]
    out = []
    depth = 0
    for l in lines:
        if l.startswith("}"):
            depth -= 1
        is_block = HEADER.match(l) is not None
        if is_block and out and out[-1][1] != "" and not out[-1][1].endswith("{"):
            out.append((depth, ""))
        out.append((depth, l))
        if l.endswith("{"):
            depth += 1
    # align runs of `name = value` lines with the same depth
    result = []
    i = 0
    attr = re.compile(r"^([A-Za-z_]\w*)\s*=\s*(.*)$")
    while i < len(out):
        j = i
        run = []
        while j < len(out) and attr.match(out[j][1]) and out[j][0] == out[i][0]:
            run.append(attr.match(out[j][1]))
            j += 1
        if run:
            width = max(len(m.group(1)) for m in run)
            for m in run:
                result.append(indent_unit * out[i][0] + m.group(1).ljust(width) + " = " + m.group(2))
            i = j
        else:
            d, l = out[i]
            result.append((indent_unit * d + l) if l else "")
            i += 1
    return "\n".join(result) + "\n"


def formatting(params):
    uri = params["textDocument"]["uri"]
    text = documents.get(uri, "")
    new = toy_format(text)
    if new == text:
        return []
    lines = text.split("\n")
    return [{"range": {"start": {"line": 0, "character": 0},
                       "end": {"line": len(lines), "character": 0}},
             "newText": new}]


def main():
    if sys.argv[1:] != ["lsp"]:
        sys.stderr.write("usage: fake_alloy_lsp.py lsp\n")
        return 2
    stdin = sys.stdin.buffer
    shutdown = False
    while True:
        msg = read_message(stdin)
        if msg is None:
            log("stdin closed")
            return 0 if shutdown else 1
        method = msg.get("method")
        if method == "initialize":
            log("initializationOptions=%s" % json.dumps(msg["params"].get("initializationOptions")))
            if "exit-on-init" in MODES:
                return 3
            if "slow-init" in MODES:
                time.sleep(2)
            caps = {
                "textDocumentSync": {"openClose": True, "change": 1},
                "completionProvider": {"triggerCharacters": ["."]},
            }
            if "no-format" not in MODES:
                caps["documentFormattingProvider"] = True
            if "pull-diagnostics" in MODES:
                caps["diagnosticProvider"] = {"interFileDependencies": False, "workspaceDiagnostics": False}
            if "utf8" in MODES:
                caps["positionEncoding"] = "utf-8"
            respond(msg, {"capabilities": caps, "serverInfo": {"name": "fake-alloy-lsp", "version": "0"}})
        elif method == "shutdown":
            shutdown = True
            respond(msg, None)
        elif method == "exit":
            return 0 if shutdown else 1
        elif method == "textDocument/didOpen":
            doc = msg["params"]["textDocument"]
            documents[doc["uri"]] = doc["text"]
            publish(doc["uri"])
        elif method == "textDocument/didChange":
            uri = msg["params"]["textDocument"]["uri"]
            documents[uri] = msg["params"]["contentChanges"][-1]["text"]
            publish(uri)
        elif method == "textDocument/didClose":
            documents.pop(msg["params"]["textDocument"]["uri"], None)
        elif method == "textDocument/completion":
            respond(msg, completion(msg["params"]))
        elif method == "textDocument/formatting":
            respond(msg, formatting(msg["params"]))
        elif method == "textDocument/diagnostic":
            text = documents.get(msg["params"]["textDocument"]["uri"], "")
            respond(msg, {"kind": "full", "items": diagnostics_for(text)})
        elif "id" in msg and method is not None:
            respond(msg, error={"code": -32601, "message": "method not found: %s" % method})
        # other notifications are ignored


if __name__ == "__main__":
    sys.exit(main())
