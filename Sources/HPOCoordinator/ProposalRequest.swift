import HPOCore
import HPOSearch

/// Work for the background, off the dispatch loop (strategies that fit a model): proposals, or a
/// refit of the model's hyperparameters. The strategy itself travels with the request, so the
/// loop's copy is never touched by another thread.
public struct ProposalRequest: Sendable {
    public enum Kind: Sendable, Equatable {
        /// This many proposals, with `history.running` as pending points.
        case propose(Int)
        /// Refit the model to `history.finished` (see `SearchStrategy.refitModel`).
        case refit
    }

    public let id: Int
    public let kind: Kind
    let search: any SearchStrategy
    let history: SearchHistory

    /// Runs the work; call on any thread. Returns the proposals and the strategy's new state.
    public func run() -> ProposalResult {
        var search = search
        switch kind {
        case .propose(let count):
            let proposals = search.propose(count, history: history)
            return ProposalResult(id: id, kind: kind, search: search, proposals: proposals)
        case .refit:
            search.refitModel(history: history)
            return ProposalResult(id: id, kind: kind, search: search, proposals: [])
        }
    }
}

/// The outcome of a `ProposalRequest`, handed back to the state machine.
public struct ProposalResult: Sendable {
    public let id: Int
    public let kind: ProposalRequest.Kind
    let search: any SearchStrategy
    public let proposals: [Parameters]
}
