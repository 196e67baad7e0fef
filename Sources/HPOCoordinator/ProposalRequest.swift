import HPOCore
import HPOSearch

/// Work for the background, off the dispatch loop (strategies that fit a model): proposals, or a
/// refit of the model's hyperparameters. The strategy itself travels with the request, so the
/// loop's copy is never touched by another thread.
package struct ProposalRequest: Sendable {
    package enum Kind: Sendable, Equatable {
        /// This many proposals, with `history.running` as pending points.
        case propose(Int)
        /// Refit the model to `history.finished` (see `SearchStrategy.refitModel`).
        case refit
    }

    package let id: Int
    package let kind: Kind
    let search: any SearchStrategy
    let history: SearchHistory

    /// Runs the work; call on any thread. Returns the proposals and the strategy's new state.
    package func run() -> ProposalResult {
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
package struct ProposalResult: Sendable {
    package let id: Int
    package let kind: ProposalRequest.Kind
    let search: any SearchStrategy
    package let proposals: [Parameters]
}
