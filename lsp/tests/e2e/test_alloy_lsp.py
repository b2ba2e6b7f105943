"""End-to-end tests: the `alloy lsp` binary driven by a pytest-lsp client."""

import asyncio
import pathlib

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

PIPELINE = """prometheus.exporter.unix "host" { }

prometheus.scrape "host" {
\ttargets    = prometheus.exporter.unix.host.targets
\tforward_to = [prometheus.remote_write.default.receiver]
}
"""

SINK = """prometheus.remote_write "default" {
\tendpoint {
\t\turl = "http://localhost:9009/api/v1/push"
\t}
}
"""


def open_doc(client: LanguageClient, path: pathlib.Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="grafana-alloy", version=version, text=text
            )
        )
    )
    return uri


def position_of(text: str, needle: str, delta: int = 0) -> types.Position:
    at = text.index(needle) + delta
    before = text[:at]
    line = before.count("\n")
    column = len(before.rsplit("\n", 1)[-1].encode("utf-16-le")) // 2
    return types.Position(line=line, character=column)


async def diagnostics_for(client: LanguageClient, uri: str, predicate, timeout: float = 20.0):
    """Waits until the published diagnostics of `uri` satisfy `predicate`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = client.diagnostics.get(uri)
        if current is not None and predicate(current):
            return current
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no matching diagnostics for {uri}: {current}")
        try:
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
                timeout=remaining,
            )
        except asyncio.TimeoutError:
            pass


def edge_tuple(edge) -> tuple:
    """(from, to, signal) of a graph edge; pygls renames the keyword `from`."""
    fields = edge._asdict()
    source = fields.get("from", fields.get("from_", fields.get("_0")))
    return (source, fields.get("to"), fields.get("signal"))


@pytest.fixture
def module(tmp_path: pathlib.Path) -> pathlib.Path:
    """A directory holding a two-file module."""
    (tmp_path / "pipeline.alloy").write_text(PIPELINE)
    (tmp_path / "sink.alloy").write_text(SINK)
    return tmp_path


async def test_initialize(client: LanguageClient):
    result = client.initialize_result
    assert result.server_info.name == "alloy-lsp"
    caps = result.capabilities
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Full
    assert caps.completion_provider is not None
    assert caps.hover_provider
    assert caps.definition_provider
    assert caps.rename_provider.prepare_provider
    assert caps.document_formatting_provider
    assert caps.document_range_formatting_provider
    assert caps.semantic_tokens_provider.legend.token_types
    assert caps.position_encoding == types.PositionEncodingKind.Utf16


async def test_diagnostics_are_published_with_codes(client: LanguageClient, tmp_path):
    uri = open_doc(client, tmp_path / "broken.alloy", 'logging {\n\tlevel = "info" format = "logfmt"\n}\n')
    diags = await diagnostics_for(client, uri, lambda d: len(d) > 0)
    assert diags[0].code == "AL0001"
    assert diags[0].message == "expected TERMINATOR, got IDENT"
    assert diags[0].range.start == types.Position(line=1, character=16)
    assert diags[0].severity == types.DiagnosticSeverity.Error


async def test_diagnostics_cover_the_whole_directory(client: LanguageClient, module):
    (module / "extra.alloy").write_text('loki.write "w" {\n\tendpoint {\n\t\turl = "http://l"\n\t}\n\tbogus = 1\n}\n')
    open_doc(client, module / "pipeline.alloy", PIPELINE)
    extra = (module / "extra.alloy").as_uri()
    diags = await diagnostics_for(client, extra, lambda d: any(x.code == "AL0201" for x in d))
    assert any(x.message == 'unrecognized attribute name "bogus"' for x in diags)


async def test_completion(client: LanguageClient, tmp_path):
    text = 'prometheus.remote_write "m" {\n\tendpoint {\n\t\turl = "http://m"\n\t}\n}\n\nprometheus.scrape "s" {\n\ttargets = []\n\t\n}\n'
    uri = open_doc(client, tmp_path / "c.alloy", text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=8, character=1),
        )
    )
    labels = {item.label for item in result.items}
    assert "forward_to" in labels
    assert "targets" not in labels
    # Inside forward_to, receivers of the right kind.
    text2 = text.replace("\t\n}", "\tforward_to = []\n}")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text2)],
        )
    )
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text2, "forward_to = [", 14),
        )
    )
    labels = {item.label for item in result.items}
    assert "prometheus.remote_write.m.receiver" in labels


async def test_hover(client: LanguageClient, tmp_path):
    uri = open_doc(client, tmp_path / "h.alloy", PIPELINE)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(PIPELINE, "forward_to", 2),
        )
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "Type: `list(MetricsReceiver)`" in hover.contents.value


async def test_definition_across_files(client: LanguageClient, module):
    uri = open_doc(client, module / "pipeline.alloy", PIPELINE)
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(PIPELINE, "remote_write.default", 14),
        )
    )
    location = result if isinstance(result, types.Location) else result[0]
    assert location.uri == (module / "sink.alloy").as_uri()
    assert location.range.start == types.Position(line=0, character=0)


async def test_formatting(client: LanguageClient, tmp_path):
    ugly = 'logging {\nlevel = "debug"\n    format = "logfmt"\n}\n'
    uri = open_doc(client, tmp_path / "f.alloy", ugly)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            options=types.FormattingOptions(tab_size=4, insert_spaces=False),
        )
    )
    assert len(edits) == 1
    lines = ugly.split("\n")
    start = sum(len(l) + 1 for l in lines[: edits[0].range.start.line]) + edits[0].range.start.character
    end = sum(len(l) + 1 for l in lines[: edits[0].range.end.line]) + edits[0].range.end.character
    formatted = ugly[:start] + edits[0].new_text + ugly[end:]
    assert formatted == 'logging {\n\tlevel  = "debug"\n\tformat = "logfmt"\n}\n'


async def test_rename_across_files(client: LanguageClient, module):
    uri = open_doc(client, module / "pipeline.alloy", PIPELINE)
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(PIPELINE, "default.receiver", 1),
            new_name="main",
        )
    )
    sink = (module / "sink.alloy").as_uri()
    assert set(edit.changes) == {uri, sink}
    assert [e.new_text for e in edit.changes[sink]] == ["main"]
    assert edit.changes[sink][0].range.start == types.Position(line=0, character=25)
    assert edit.changes[uri][0].range.start == position_of(PIPELINE, "default.receiver")


async def test_alloy_graph(client: LanguageClient, module):
    uri = open_doc(client, module / "pipeline.alloy", PIPELINE)
    graph = await client.protocol.send_request_async(
        "alloy/graph", {"textDocument": {"uri": uri}}
    )
    nodes = {n.id: n for n in graph.nodes}
    assert set(nodes) == {
        "prometheus.exporter.unix.host",
        "prometheus.scrape.host",
        "prometheus.remote_write.default",
    }
    assert nodes["prometheus.remote_write.default"].file == (module / "sink.alloy").as_uri()
    edges = {edge_tuple(e) for e in graph.edges}
    assert ("prometheus.exporter.unix.host", "prometheus.scrape.host", "targets") in edges
    assert ("prometheus.scrape.host", "prometheus.remote_write.default", "metrics") in edges


async def test_pull_diagnostics_with_neovim_capabilities(neovim_client: LanguageClient, tmp_path):
    client = neovim_client
    assert client.initialize_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert client.initialize_result.capabilities.diagnostic_provider is not None
    uri = open_doc(client, tmp_path / "n.alloy", 'logging {\n\tlevel = "é" format = "json"\n}\n')
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert report.kind == "full"
    assert report.items[0].code == "AL0001"
    # UTF-8 columns: `format` is at byte 14 (é is two bytes).
    assert report.items[0].range.start == types.Position(line=1, character=14)


async def test_completion_resolve_fills_documentation(client: LanguageClient, tmp_path):
    """VS Code's capabilities include resolveSupport: documentation comes on resolve."""
    uri = open_doc(client, tmp_path / "r.alloy", "prometheus.scr\n")
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=14),
        )
    )
    scrape = next(item for item in result.items if item.label == "prometheus.scrape")
    assert scrape.documentation is None
    resolved = await client.completion_item_resolve_async(scrape)
    assert "prometheus.scrape" in resolved.documentation.value


async def test_semantic_token_deltas(client: LanguageClient, tmp_path):
    text = PIPELINE
    uri = open_doc(client, tmp_path / "t.alloy", text)
    full = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert full.result_id
    text2 = text.replace('"host" { }', '"host" {\n\tinclude_exporter_metrics = true\n}')
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text2)],
        )
    )
    delta = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=full.result_id,
        )
    )
    data = list(full.data)
    for edit in sorted(delta.edits, key=lambda e: e.start, reverse=True):
        data[edit.start : edit.start + edit.delete_count] = list(edit.data or [])
    fresh = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert data == list(fresh.data)
    assert sum(len(e.data or []) for e in delta.edits) < len(fresh.data)


async def test_import_file_namespace(client: LanguageClient, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "m.alloy").write_text('declare "sink" {\n\targument "url" { }\n}\n')
    text = 'import.file "lib" {\n\tfilename = "lib"\n}\n\nlib.\n'
    uri = open_doc(client, tmp_path / "main.alloy", text)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=4, character=4),
        )
    )
    assert "lib.sink" in {item.label for item in result.items}
    text2 = text.replace("lib.\n", 'lib.sink "x" {\n\turl = "http://x"\n}\n')
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text2)],
        )
    )
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text2, "lib.sink", 5),
        )
    )
    location = result if isinstance(result, types.Location) else result[0]
    assert location.uri == (tmp_path / "lib" / "m.alloy").as_uri()
