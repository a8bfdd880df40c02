using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ModelBuild.Core.Tests.Sources;

/// <summary>A real HTTP server on 127.0.0.1 and a free port, serving fixed responses and recording requests.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, (int Status, byte[] Body)> _routes = new(StringComparer.Ordinal);
    private readonly Task _serving;

    public LoopbackServer()
    {
        Port = FreePort();
        BaseUrl = $"http://127.0.0.1:{Port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string BaseUrl { get; }

    /// <summary>Every request seen: path and query, and the Authorization header if any.</summary>
    public ConcurrentQueue<(string PathAndQuery, string? Authorization)> Requests { get; } = new();

    public void Serve(string path, byte[] body, int status = 200) => _routes[path] = (status, body);

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The accept loop ends with an exception when the listener stops.
        }
    }

    /// <summary>A port nothing listens on right now (the OS picks it).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Requests.Enqueue((context.Request.Url!.PathAndQuery, context.Request.Headers["Authorization"]));
            var (status, body) = _routes.TryGetValue(context.Request.Url.AbsolutePath, out var route) ? route : (404, "not found"u8.ToArray());
            context.Response.StatusCode = status;
            context.Response.ContentLength64 = body.Length;
            try
            {
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The client went away; nothing to serve.
            }
        }
    }
}
