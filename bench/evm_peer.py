"""The peer of the ledger benchmark: the same transfer workload on an in-process EVM.

    python -m bench evm_peer [--txs 2000] [--senders 100] [--accounts 2000]

py-evm through eth-tester (the `bench` extra), with auto-mining: each transaction is
validated (sender recovered from its ECDSA signature, nonce, gas), executed and mined into
its own block before `send_raw_transaction` returns, so it is committed on return, as a
Baobab `submit` is. Transactions are signed ahead (excluded from the timing), exactly as
the Baobab run signs its proposals ahead. There is one client thread: eth-tester is not
thread-safe, and py-evm would gain nothing from more threads under the GIL.

No Solidity or Vyper compiler is available offline, so the token contract is hand-assembled
below (a few dozen opcodes) with a tiny two-pass assembler. Storage layout and ABI are those
a Solidity `mapping(address => uint256) balances` at slot 0 would have:

    transfer(address to, uint256 amount) -> bool    selector 0xa9059cbb
        reverts if balances[msg.sender] < amount; otherwise debits the sender, credits `to`,
        emits Transfer(address indexed from, address indexed to, uint256 amount) and
        returns true. (Like the Baobab contract it refuses to overdraw; unlike Solidity 0.8
        it does not check the credit for overflow: balances stay far below 2**256.)
    mint(address to, uint256 amount)                selector 0x40c10f19
        credits `to`; unrestricted, used only to fund accounts before the timed phase
    balanceOf(address who) -> uint256               selector 0x70a08231
    slot of balances[a] = keccak256(a . uint256(0)) (both 32-byte words)

Baobab's `accounts.transfer` does more per transaction (two endorsement signatures, a
policy check, an orderer-signed block, a durable SQLite commit); the EVM here keeps its
state in memory (eth-tester's in-memory database) and fsyncs nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from typing import Any

TRANSFER, MINT, BALANCE_OF = 0xA9059CBB, 0x40C10F19, 0x70A08231
TRANSFER_TOPIC = 0xDDF252AD1BE2C89B69C2B068FC378DAA952BA7F163C4A11628F55A4DF523B3EF  # keccak("Transfer(address,address,uint256)")

OPCODES = {
    "STOP": 0x00, "ADD": 0x01, "SUB": 0x03, "GT": 0x11, "EQ": 0x14, "SHR": 0x1C, "SHA3": 0x20,
    "CALLER": 0x33, "CALLDATALOAD": 0x35, "CODECOPY": 0x39, "POP": 0x50, "MSTORE": 0x52,
    "SLOAD": 0x54, "SSTORE": 0x55, "JUMPI": 0x57, "JUMPDEST": 0x5B, "DUP1": 0x80, "DUP3": 0x82,
    "DUP4": 0x83, "SWAP1": 0x90, "LOG3": 0xA3, "RETURN": 0xF3, "REVERT": 0xFD,
}


def push(value: int, width: int = 0) -> tuple[str, int, int]:
    width = width or max(1, (value.bit_length() + 7) // 8)
    return ("PUSH", value, width)


def label(name: str) -> tuple[str, str]:
    return ("LABEL", name)


def ref(name: str) -> tuple[str, str]:
    return ("REF", name)  # PUSH2 of the label's offset


def assemble(program: list[Any]) -> bytes:
    """Two passes: lay out offsets (labels are JUMPDESTs, references are PUSH2), then emit."""
    offsets, pc = {}, 0
    for item in program:
        if isinstance(item, str):
            pc += 1
        elif item[0] == "LABEL":
            offsets[item[1]] = pc
            pc += 1
        elif item[0] == "REF":
            pc += 3
        else:
            pc += 1 + item[2]
    out = bytearray()
    for item in program:
        if isinstance(item, str):
            out.append(OPCODES[item])
        elif item[0] == "LABEL":
            out.append(OPCODES["JUMPDEST"])
        elif item[0] == "REF":
            out += bytes([0x61]) + offsets[item[1]].to_bytes(2, "big")
        else:
            out += bytes([0x5F + item[2]]) + item[1].to_bytes(item[2], "big")
    return bytes(out)


# addr -> keccak256(addr . 0): the storage slot of balances[addr]
SLOT = [push(0), "MSTORE", push(0), push(0x20), "MSTORE", push(0x40), push(0), "SHA3"]

# Stack comments list the stack bottom-to-top after each line.
RUNTIME = [
    push(0), "CALLDATALOAD", push(0xE0), "SHR",                              # [sel]
    "DUP1", push(TRANSFER, 4), "EQ", ref("transfer"), "JUMPI",
    "DUP1", push(MINT, 4), "EQ", ref("mint"), "JUMPI",
    "DUP1", push(BALANCE_OF, 4), "EQ", ref("balance_of"), "JUMPI",
    label("fail"), push(0), "DUP1", "REVERT",

    label("transfer"), "POP",
    push(0x24), "CALLDATALOAD",                                             # [amt]
    "CALLER", *SLOT,                                                        # [amt, sfrom]
    "DUP1", "SLOAD",                                                        # [amt, sfrom, bfrom]
    "DUP1", "DUP4", "GT", ref("fail"), "JUMPI",                             # amt > bfrom: revert
    "DUP3", "SWAP1", "SUB", "SWAP1", "SSTORE",                              # balances[from] -= amt; [amt]
    push(4), "CALLDATALOAD", *SLOT,                                         # [amt, sto]
    "DUP1", "SLOAD", "DUP3", "ADD", "SWAP1", "SSTORE",                      # balances[to] += amt; [amt]
    push(0), "MSTORE",                                                      # mem[0] = amt; []
    push(4), "CALLDATALOAD", "CALLER", push(TRANSFER_TOPIC, 32), push(0x20), push(0), "LOG3",
    push(1), push(0), "MSTORE", push(0x20), push(0), "RETURN",              # return true

    label("mint"), "POP",
    push(0x24), "CALLDATALOAD", push(4), "CALLDATALOAD", *SLOT,             # [amt, sto]
    "DUP1", "SLOAD", "DUP3", "ADD", "SWAP1", "SSTORE", "POP", "STOP",

    label("balance_of"), "POP",
    push(4), "CALLDATALOAD", *SLOT, "SLOAD", push(0), "MSTORE", push(0x20), push(0), "RETURN",
]


def init_code(runtime: bytes) -> bytes:
    """Constructor: copy the runtime (which follows these 13 bytes) to memory and return it."""
    head = [push(len(runtime), 2), "DUP1", push(13, 2), push(0), "CODECOPY", push(0), "RETURN"]
    code = assemble(head)
    assert len(code) == 13
    return code + runtime


FEES = {"max_fee_per_gas": 10**11, "max_priority_fee_per_gas": 10**9}  # eth-tester's names


def call_data(selector: int, address: str, amount: int | None = None) -> bytes:
    data = selector.to_bytes(4, "big") + bytes.fromhex(address[2:]).rjust(32, b"\0")
    return data if amount is None else data + amount.to_bytes(32, "big")


def run(txs: int, *, senders: int = 100, accounts: int = 2000, seed: int = 1) -> dict[str, Any]:
    from eth_account import Account
    from eth_tester import EthereumTester, PyEVMBackend

    rng = random.Random(seed)
    tester = EthereumTester(PyEVMBackend())
    chain_id = tester.backend.chain.chain_id
    funder = tester.get_accounts()[0]
    gas = {"maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "chainId": chain_id}  # eth_account's names

    deploy = tester.send_transaction({"from": funder, "data": "0x" + init_code(assemble(RUNTIME)).hex(),
                                      "gas": 300_000, **FEES})
    token = tester.get_transaction_receipt(deploy)["contract_address"]

    keys = [Account.from_key(rng.randbytes(32)) for _ in range(senders)]
    holders = [Account.from_key(rng.randbytes(32)).address for _ in range(accounts)]
    for k in keys:  # set-up: gas money and tokens for every sender
        tester.send_transaction({"from": funder, "to": k.address, "value": 10**20, "gas": 21_000,
                                 **FEES})
        tester.send_transaction({"from": funder, "to": token, "data": "0x" + call_data(MINT, k.address, 10**12).hex(),
                                 "gas": 100_000, **FEES})

    nonces = [0] * senders
    t0 = time.perf_counter()
    signed = []
    for _ in range(txs):
        i = rng.randrange(senders)
        tx = {"to": token, "data": call_data(TRANSFER, rng.choice(holders), 1), "gas": 100_000,
              "nonce": nonces[i], "value": 0, **gas}
        nonces[i] += 1
        signed.append("0x" + keys[i].sign_transaction(tx).raw_transaction.hex())
    sign_s = time.perf_counter() - t0

    latencies = []
    start, cpu = time.perf_counter(), time.process_time()
    for raw in signed:
        t = time.perf_counter()
        tester.send_raw_transaction(raw)
        latencies.append(time.perf_counter() - t)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu

    # Checked after the clock stops, from the senders' balances (a receipt lookup scans every
    # block in eth-tester, which would make this step quadratic).
    def balance(address: str) -> int:
        return int(tester.call({"from": funder, "to": token, "data": "0x" + call_data(BALANCE_OF, address).hex()}), 16)

    ok = senders * 10**12 - sum(balance(k.address) for k in keys)
    latencies.sort()
    return {"transactions": txs, "succeeded": ok, "wall_s": wall, "tps": ok / wall if wall else 0.0,
            "cpu_s": cpu, "tps_per_cpu_s": ok / cpu if cpu else 0.0,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "signing_s_excluded": sign_s, "senders": senders, "accounts": accounts,
            "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    from bench.ledger import peak_rss_mb as peak

    return peak()


def report(e: dict[str, Any]) -> None:
    print(f"EVM peer (py-evm via eth-tester, auto-mining, hand-assembled token): {e['succeeded']:,} of "
          f"{e['transactions']:,} transfers in {e['wall_s']:.1f} s ({e['senders']} senders, {e['accounts']:,} recipients)")
    print(f"  committed throughput  {e['tps']:,.0f} tx/s; {e['tps_per_cpu_s']:,.0f} per CPU-second "
          f"({e['cpu_s']:.1f} CPU-s; one process, one core)")
    print(f"  submit-to-commit      p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms")
    print(f"  client signing        {e['signing_s_excluded']:.1f} s, excluded from the timed phase")
    print(f"  peak RSS              {e['peak_rss_mb']:,.0f} MB (its own process)")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench evm_peer", description="Transfers on an in-process EVM.")
    ap.add_argument("--txs", type=int, default=2_000)
    ap.add_argument("--senders", type=int, default=100)
    ap.add_argument("--accounts", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = ap.parse_args(argv)
    e = run(args.txs, senders=args.senders, accounts=args.accounts, seed=args.seed)
    if args.json:
        print(json.dumps(e))
        return 0
    report(e)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
