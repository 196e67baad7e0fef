import HPOCore
import HPOSearch

/// The proposals of a strategy that computes ahead (Bayesian optimisation), free of I/O and of
/// clocks: what to ask the background for, and which proposals a free place may take.
///
/// The rule (see `docs/bayes.md`, "The pipeline"): a proposal is *fresh* while no trial has
/// ended since it was asked for. A free place takes only fresh proposals; when there are none, a
/// request for exactly the places waiting goes out at once, with every result in and every other
/// pending configuration as a lie, and the model only conditions on the new results (no refit),
/// so it comes back in milliseconds. A proposal that arrives stale (a trial ended while it was
/// computed) is kept aside and asked for again; a place that has waited past its patience takes
/// such a stale proposal (still the model's choice), and a quasi-random one only when there is
/// none. Hyperparameters are refitted by separate requests, one at a time, whose result the
/// strategy adopts when it comes back.
struct ProposalQueue {
    struct Proposal {
        var parameters: Parameters
        /// How many trials had ended when it was asked for.
        var basis: Int
    }

    /// Proposals not handed out yet, oldest first.
    private(set) var ready: [Proposal] = []
    /// The proposal request in flight: its id, and how many trials had ended when it was made.
    private(set) var inFlight: (id: Int, basis: Int)?
    /// When the last proposal request went out (the caller's clock).
    private(set) var lastRequestTime: Double?
    /// The refit request in flight, and how many trials had ended when the last one was made.
    private(set) var refitInFlight: Int?
    private var refitBasis = -1
    private var requests = 0
    /// The last refit that came back, adopted again by every strategy value a proposal hands
    /// back (that value was copied before the refit arrived).
    private var latestRefit: (any SearchStrategy)?
    /// At most this many stale proposals are kept aside for places that cannot wait.
    static let staleKept = 8

    func freshCount(ended: Int) -> Int { ready.count { $0.basis >= ended } }

    /// Up to `count` fresh proposals, oldest first.
    mutating func takeFresh(_ count: Int, ended: Int) -> [Parameters] {
        var taken: [Parameters] = []
        ready.removeAll { proposal in
            guard taken.count < count, proposal.basis >= ended else { return false }
            taken.append(proposal.parameters)
            return true
        }
        return taken
    }

    /// One proposal for a place that cannot wait any longer: the freshest there is.
    mutating func takeFreshest() -> (parameters: Parameters, basis: Int)? {
        guard let index = ready.indices.max(by: { ready[$0].basis < ready[$1].basis }) else { return nil }
        let proposal = ready.remove(at: index)
        return (proposal.parameters, proposal.basis)
    }

    /// The fresh proposals, which count as pending points (lies) for the next request.
    func freshParameters(ended: Int) -> [Parameters] { ready.filter { $0.basis >= ended }.map(\.parameters) }

    /// A request for the places still waiting that fresh proposals do not cover, when none is
    /// in flight. `history` must hold the running trials and the fresh proposals as running.
    mutating func requestProposals(
        search: any SearchStrategy, waiting: Int, ended: Int, history: SearchHistory, now: Double
    ) -> ProposalRequest? {
        guard inFlight == nil else { return nil }
        let count = waiting - freshCount(ended: ended)
        guard count > 0 else { return nil }
        requests += 1
        inFlight = (requests, ended)
        lastRequestTime = now
        return ProposalRequest(id: requests, kind: .propose(count), search: search, history: history)
    }

    /// A request to refit the model, when none is in flight, trials ended since the last one,
    /// and the strategy says a refit is due.
    mutating func requestRefit(search: any SearchStrategy, ended: Int, history: SearchHistory) -> ProposalRequest? {
        guard refitInFlight == nil, ended > refitBasis else { return nil }
        guard search.refitDue(history: history) else { return nil }
        requests += 1
        refitInFlight = requests
        refitBasis = ended
        return ProposalRequest(id: requests, kind: .refit, search: search, history: history)
    }

    /// Background work came back. Returns the strategy to use from now on, or nil when the
    /// result is not the one in flight (then nothing changes).
    mutating func received(_ result: ProposalResult, current: any SearchStrategy) -> (any SearchStrategy)? {
        switch result.kind {
        case .refit:
            guard result.id == refitInFlight else { return nil }
            refitInFlight = nil
            latestRefit = result.search
            var search = current
            search.adoptRefit(from: result.search)
            return search
        case .propose:
            guard let request = inFlight, result.id == request.id else { return nil }
            inFlight = nil
            ready += result.proposals.map { Proposal(parameters: $0, basis: request.basis) }
            // Stale proposals beyond `staleKept` go, oldest first.
            var excess = ready.count { $0.basis < request.basis } - Self.staleKept
            ready.removeAll { proposal in
                guard excess > 0, proposal.basis < request.basis else { return false }
                excess -= 1
                return true
            }
            var search = result.search
            if let latestRefit { search.adoptRefit(from: latestRefit) }
            return search
        }
    }
}
