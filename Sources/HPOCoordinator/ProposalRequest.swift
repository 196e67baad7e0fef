import HPOCore
import HPOSearch

/// Proposals to compute off the dispatch loop (for strategies that fit a model): the strategy
/// itself travels with the request, so exactly one copy of it is ever mutated at a time.
public struct ProposalRequest: Sendable {
    public let id: Int
    let search: any SearchStrategy
    let count: Int
    let history: SearchHistory

    /// Runs the strategy; call on any thread. Returns the proposals and the strategy's new state.
    public func run() -> ProposalResult {
        var search = search
        let proposals = search.propose(count, history: history)
        return ProposalResult(id: id, search: search, proposals: proposals)
    }
}

/// The outcome of a `ProposalRequest`, handed back to the state machine.
public struct ProposalResult: Sendable {
    public let id: Int
    let search: any SearchStrategy
    public let proposals: [Parameters]
}
