/// A small tree of XML elements, rendered as well-formed XML: the report's HTML (XHTML-compatible)
/// and its SVG. All text and attribute values are escaped here and nowhere else.
public struct Markup: Sendable {
    public enum Content: Sendable {
        case element(Markup)
        case text(String)
    }

    public var name: String
    public var attributes: [(String, String)]
    public var children: [Content]

    public init(_ name: String, _ attributes: [(String, String)] = [], _ children: [Content] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
    }

    /// An element holding only text.
    public init(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        self.init(name, attributes, [.text(text)])
    }

    /// Sets (or replaces) an attribute.
    public func with(_ attribute: String, _ value: String) -> Markup {
        var copy = self
        copy.attributes.removeAll { $0.0 == attribute }
        copy.attributes.append((attribute, value))
        return copy
    }

    public mutating func append(_ child: Markup) { children.append(.element(child)) }
    public mutating func append(contentsOf children: [Markup]) { self.children += children.map { .element($0) } }
    public mutating func append(text: String) { children.append(.text(text)) }

    /// The element as XML text. Elements without children are self-closed (`<circle …/>`), except
    /// those HTML requires to be closed explicitly (`<script></script>` and friends).
    public func render() -> String {
        var output = ""
        render(into: &output)
        return output
    }

    public func render(into output: inout String) {
        output += "<" + name
        for (key, value) in attributes {
            output += " " + key + "=\"" + Self.escapeAttribute(value) + "\""
        }
        if children.isEmpty && !Self.neverSelfClosed.contains(name) {
            output += "/>"
            return
        }
        output += ">"
        for child in children {
            switch child {
            case .element(let element): element.render(into: &output)
            case .text(let text): output += Self.escapeText(text)
            }
        }
        output += "</" + name + ">"
    }

    /// HTML elements that must not be written as `<x/>` (browsers would read them as open tags).
    static let neverSelfClosed: Set<String> = [
        "div", "span", "p", "td", "th", "tr", "table", "thead", "tbody", "section", "pre", "code", "summary",
        "details", "h1", "h2", "h3", "ul", "li", "style", "title", "script", "a", "header", "main", "footer", "dl",
        "dt", "dd", "figure", "figcaption", "strong", "em", "small", "nav", "textarea",
    ]

    /// Escapes text content: `&`, `<`, `>`; and characters XML 1.0 forbids are dropped.
    public static func escapeText(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: if isAllowed(scalar) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// Escapes an attribute value (double-quoted): also `"` and `'`, and line breaks as references.
    public static func escapeAttribute(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\n": result += "&#10;"
            case "\r": result += "&#13;"
            case "\t": result += "&#9;"
            default: if isAllowed(scalar) { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// Whether XML 1.0 allows the character (control characters other than tab and line breaks,
    /// and U+FFFE/U+FFFF, are not).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
