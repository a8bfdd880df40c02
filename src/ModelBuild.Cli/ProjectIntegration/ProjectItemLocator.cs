using System.Xml;
using System.Xml.Linq;
using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Cli.ProjectIntegration;

/// <summary>
/// Finds where a <c>ModelReference</c> item is written in the project file, so that a bad
/// <c>ModelTarget</c> or <c>Precision</c> is reported on the line that says it. MSBuild does not hand item
/// locations to tasks; the project XML is read instead, and the project file alone is the answer
/// when the item comes from an import or a wildcard.
/// </summary>
internal static class ProjectItemLocator
{
    /// <param name="projectFile">The project that holds the item.</param>
    /// <param name="manifestPath">The item's full path.</param>
    /// <param name="metadataName">The attribute or child element to point at, e.g. <c>ModelTarget</c>.</param>
    public static SourceLocation Locate(string projectFile, string manifestPath, string metadataName)
    {
        var fallback = new SourceLocation(projectFile);
        XDocument document;
        try
        {
            document = XDocument.Load(projectFile, LoadOptions.SetLineInfo);
        }
        catch (Exception e) when (e is IOException or XmlException or UnauthorizedAccessException)
        {
            return fallback;
        }

        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
        foreach (var item in document.Descendants().Where(e => e.Name.LocalName == "ModelReference"))
        {
            var include = item.Attribute("Include")?.Value;
            if (include is null || !string.Equals(Path.GetFullPath(Path.Combine(projectDirectory, include)), manifestPath, PathComparison))
            {
                continue;
            }

            IXmlLineInfo where = (IXmlLineInfo?)item.Attribute(metadataName)
                ?? (IXmlLineInfo?)item.Elements().FirstOrDefault(e => e.Name.LocalName == metadataName)
                ?? item;
            return where.HasLineInfo() ? new SourceLocation(projectFile, where.LineNumber, where.LinePosition) : fallback;
        }

        return fallback;
    }

    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}
