"""Analytics over the money-flow web: circulation, cycles, significance, flow-graph export."""

from circularity.analytics.attribution import (
    ATTRIBUTION_RULE,
    attribute_deals,
    flow_graph,
)
from circularity.analytics.circulation import Circulation, find_circulation, max_circulation
from circularity.analytics.cycles import (
    Cycle,
    CycleList,
    SimpleCycle,
    decompose_circulation,
    list_cycles,
)
from circularity.analytics.edgelist import read_edge_list
from circularity.analytics.flowgraph import FlowEdge, FlowGraph
from circularity.analytics.null_model import (
    NULL_MODEL_DEFINITION,
    NullModelResult,
    circulation_null_model,
    flow_swaps,
)
from circularity.analytics.ratios import RATIO_DEFINITIONS, FinancialRatios, financial_ratios
from circularity.analytics.vendor_financing import (
    VENDOR_FINANCING_DEFINITION,
    HistoricalComparison,
    VendorFinancing,
    lucent_comparison,
    vendor_financing,
)

__all__ = [
    "RATIO_DEFINITIONS",
    "FinancialRatios",
    "financial_ratios",
    "VENDOR_FINANCING_DEFINITION",
    "HistoricalComparison",
    "VendorFinancing",
    "lucent_comparison",
    "vendor_financing",
    "ATTRIBUTION_RULE",
    "attribute_deals",
    "flow_graph",
    "NULL_MODEL_DEFINITION",
    "NullModelResult",
    "circulation_null_model",
    "flow_swaps",
    "Circulation",
    "Cycle",
    "CycleList",
    "FlowEdge",
    "FlowGraph",
    "SimpleCycle",
    "decompose_circulation",
    "find_circulation",
    "list_cycles",
    "max_circulation",
    "read_edge_list",
]
