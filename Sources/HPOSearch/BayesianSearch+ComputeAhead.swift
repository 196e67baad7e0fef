extension BayesianSearch {
    /// Fitting the Gaussian process takes milliseconds to tens of milliseconds: the coordinator
    /// computes proposals ahead on a thread of their own and hands them out from a ready queue.
    package var computesAhead: Bool { true }

    package mutating func refitInBackground() { refitsInBackground = true }

    package mutating func adoptRefit(from other: any SearchStrategy) {
        if let other = other as? BayesianSearch { adoptModel(from: other) }
    }
}
