import Foundation

/// Where other threads (trial runners, the background lanes) leave work for a service's loop: a
/// locked queue whose `post` also wakes the loop out of its poll (`Waker`), and whose `drain`
/// the loop calls once a turn.
package final class WakingInbox<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    private let waker: Waker

    package init(waker: Waker) { self.waker = waker }

    package func post(_ item: Element) {
        lock.withLock { items.append(item) }
        waker.wake()
    }

    /// Everything posted since the last drain, in order.
    package func drain() -> [Element] {
        lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}
