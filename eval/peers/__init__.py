"""Peer chunkers (LlamaIndex, LangChain, fixed-token windows) as baselines for the eval.

Importing this package imports none of the peer libraries; they are imported
when a peer runs, and a missing ``peers`` extra raises an ImportError naming
``pip install -e ".[peers]"``.
"""

from eval.peers.chunk import PeerChunk, locate
from eval.peers.merging import Hierarchy, auto_merge
from eval.peers.registry import PEERS, peer_chunks

__all__ = ["PEERS", "Hierarchy", "PeerChunk", "auto_merge", "locate", "peer_chunks"]
