/// Stores a member's value in a field the reader fills at most once: false (the caller declines
/// the whole line or message, leaving it to JSONDecoder) when the member repeats or its value did
/// not read. The hand-written readers of the journal and the wire both build on it.
@inlinable
package func setOnce<Value>(_ field: inout Value?, _ value: Value?) -> Bool {
    guard field == nil, let value else { return false }
    field = value
    return true
}
