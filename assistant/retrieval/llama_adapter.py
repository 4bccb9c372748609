"""The hybrid retriever as a llama-index ``BaseRetriever``, for code built on llama-index.

Kept apart from ``hybrid`` so that answering a question never imports llama-index's retriever
stack; this module is imported only by what plugs the retriever into llama-index."""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.retrieval.hybrid import HybridRetriever


class LlamaIndexRetriever(BaseRetriever):
    """Sections for a question as llama-index nodes (one per section, in the question's language)."""

    def __init__(self, retriever: HybridRetriever) -> None:
        super().__init__()
        self.hybrid = retriever

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self.hybrid.search(query_bundle.query_str)
        nodes = []
        for hit in result.hits:
            section = self.hybrid.corpus.in_lang(hit.section_id, result.lang)
            if section is None:
                continue
            node = TextNode(
                id_=f"{section.id}#{section.lang}",
                text=section.text,
                metadata={
                    "section_id": section.id,
                    "lang": section.lang,
                    "heading": section.display_heading,
                },
            )
            nodes.append(NodeWithScore(node=node, score=hit.score))
        return nodes
