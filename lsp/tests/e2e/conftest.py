"""Starts the real `alloy lsp` binary (env ALLOY_BIN) under pytest-lsp."""

import os
import shutil

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ALLOY_BIN = os.environ.get("ALLOY_BIN") or shutil.which("alloy") or "alloy"


def pytest_report_header(config):
    return f"alloy binary: {ALLOY_BIN}"


def accept_registrations(lsp_client: LanguageClient):
    """Answer `client/registerCapability` as VS Code and Neovim do (the
    server asks to watch `*.alloy` files when the client supports it)."""

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params: types.RegistrationParams):
        return None


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[ALLOY_BIN, "lsp"]))
async def client(lsp_client: LanguageClient):
    """A client with the capabilities of VS Code (push diagnostics, UTF-16)."""
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={
                "stabilityLevel": "generally-available",
                "communityComponents": False,
            },
        )
    )
    lsp_client.initialize_result = result
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[ALLOY_BIN, "lsp"]))
async def neovim_client(lsp_client: LanguageClient):
    """A client with the capabilities of Neovim 0.11 (pull diagnostics, UTF-8)."""
    accept_registrations(lsp_client)
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim@v0.11"))
    )
    lsp_client.initialize_result = result
    yield
    await lsp_client.shutdown_session()
