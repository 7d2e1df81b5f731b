package io.p2pquic.puncher.portmap;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A UPnP Internet Gateway Device (UPnP Device Architecture 1.1, IGD 1 and 2), the port-mapping protocol
 * many consumer routers speak alone: found by SSDP (an M-SEARCH to 239.255.255.250:1900 on the LAN), its
 * WANIPConnection (or WANPPPConnection) service read from the device description at the LOCATION the answer
 * names, then SOAP actions on that service's control URL: GetExternalIPAddress, AddAnyPortMapping (IGD 2)
 * or AddPortMapping, DeletePortMapping. Every reply is bounded (SSDP 2 KB, HTTP bodies 64 KB) and the XML
 * parser refuses DOCTYPEs (no entities, no external fetches). Only a gateway on the LAN is asked: the
 * LOCATION must name the address that answered the search.
 */
public final class UpnpIgd {
  static final String SSDP_GROUP = "239.255.255.250";
  static final int SSDP_PORT = 1900;
  static final int MAX_SSDP = 2048;
  static final int MAX_BODY = 65_536;
  private static final List<String> SERVICES = List.of("urn:schemas-upnp-org:service:WANIPConnection:2",
      "urn:schemas-upnp-org:service:WANIPConnection:1", "urn:schemas-upnp-org:service:WANPPPConnection:1");

  private final HttpClient http;
  private final URI control;
  private final String serviceType;
  private final long timeoutMillis;

  private UpnpIgd(HttpClient http, URI control, String serviceType, long timeoutMillis) {
    this.http = http;
    this.control = control;
    this.serviceType = serviceType;
    this.timeoutMillis = timeoutMillis;
  }

  /** The gateway's control endpoint and service, e.g. for the timeline. */
  public String describe() {
    return serviceType.substring(serviceType.lastIndexOf(':', serviceType.length() - 3) + 1) + " at " + control;
  }

  /**
   * Searches the LAN for a gateway (answers from {@code gateway} only, when it is not null) and reads its
   * description; fails with a {@link PortMappingException} when none answers within {@code timeoutMillis}.
   */
  public static Future<UpnpIgd> discover(Vertx vertx, InetAddress gateway, long timeoutMillis) {
    Promise<URI> location = Promise.promise();
    DatagramSocket socket = vertx.createDatagramSocket(new DatagramSocketOptions().setMulticastTimeToLive(2));
    socket.handler(p -> {
      if (gateway != null && !p.sender().host().equals(gateway.getHostAddress())) {
        return;
      }
      URI uri = ssdpLocation(p.data().getBytes());
      if (uri != null && uri.getHost() != null && uri.getHost().equals(p.sender().host())) {
        location.tryComplete(uri);
      }
    });
    byte[] search = ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
        + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    socket.listen(0, "0.0.0.0").onFailure(location::tryFail).onSuccess(s -> {
      socket.send(Buffer.buffer(search), SSDP_PORT, SSDP_GROUP);
      long retry = vertx.setTimer(Math.max(1, timeoutMillis / 3), t -> socket.send(Buffer.buffer(search), SSDP_PORT, SSDP_GROUP));
      long timeout = vertx.setTimer(timeoutMillis, t -> location.tryFail(new PortMappingException(
          "no UPnP gateway answered the SSDP search within " + timeoutMillis + " ms")));
      location.future().onComplete(ar -> {
        vertx.cancelTimer(retry);
        vertx.cancelTimer(timeout);
        socket.close();
      });
    });
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMillis)
        .setMaxInitialLineLength(1024).setMaxHeaderSize(8192));
    return location.future()
        .compose(uri -> fetch(http, HttpMethod.GET, uri, null, null, timeoutMillis).compose(body -> {
          Service s = service(body, uri);
          return s == null ? Future.failedFuture(new PortMappingException("the UPnP gateway at " + uri
              + " offers no WANIPConnection or WANPPPConnection service"))
              : Future.succeededFuture(new UpnpIgd(http, s.control(), s.type(), timeoutMillis));
        }))
        .onFailure(err -> http.close());
  }

  /** GetExternalIPAddress. */
  public Future<InetAddress> externalAddress() {
    return soap("GetExternalIPAddress", "").compose(body -> {
      String ip = value(body, "NewExternalIPAddress");
      try {
        return ip == null || !ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")
            ? Future.failedFuture(new PortMappingException("the UPnP gateway names no external address"))
            : Future.succeededFuture(InetAddress.getByName(ip));
      } catch (java.net.UnknownHostException e) {
        return Future.failedFuture(e);
      }
    });
  }

  /**
   * Maps UDP {@code port} of {@code client} for {@code leaseSeconds}: AddAnyPortMapping (the gateway picks the
   * external port, IGD 2), else AddPortMapping asking for the same external port. Completes with the
   * external port.
   */
  public Future<Integer> map(InetAddress client, int port, long leaseSeconds) {
    String args = "<NewRemoteHost></NewRemoteHost><NewExternalPort>" + port + "</NewExternalPort>"
        + "<NewProtocol>UDP</NewProtocol><NewInternalPort>" + port + "</NewInternalPort>"
        + "<NewInternalClient>" + client.getHostAddress() + "</NewInternalClient><NewEnabled>1</NewEnabled>"
        + "<NewPortMappingDescription>p2p-quic</NewPortMappingDescription><NewLeaseDuration>" + leaseSeconds
        + "</NewLeaseDuration>";
    Future<Integer> any = serviceType.endsWith(":2")
        ? soap("AddAnyPortMapping", args).map(body -> Integer.parseInt(value(body, "NewReservedPort").trim()))
        : Future.failedFuture("IGD 1");
    return any.recover(err -> soap("AddPortMapping", args).map(body -> port));
  }

  /** DeletePortMapping. */
  public Future<Void> delete(int externalPort) {
    return soap("DeletePortMapping", "<NewRemoteHost></NewRemoteHost><NewExternalPort>" + externalPort
        + "</NewExternalPort><NewProtocol>UDP</NewProtocol>").mapEmpty();
  }

  public Future<Void> close() {
    return http.close();
  }

  private Future<String> soap(String action, String args) {
    String envelope = "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\""
        + " s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body><u:" + action + " xmlns:u=\""
        + serviceType + "\">" + args + "</u:" + action + "></s:Body></s:Envelope>";
    return fetch(http, HttpMethod.POST, control, envelope, "\"" + serviceType + "#" + action + "\"", timeoutMillis);
  }

  /** One HTTP exchange with a bounded body; a non-2xx status fails with the UPnP error code when there is one. */
  private static Future<String> fetch(HttpClient http, HttpMethod method, URI uri, String body, String soapAction,
      long timeoutMillis) {
    RequestOptions o = new RequestOptions().setMethod(method).setAbsoluteURI(uri.toString()).setIdleTimeout(timeoutMillis);
    if (soapAction != null) {
      o.putHeader("SOAPAction", soapAction).putHeader("Content-Type", "text/xml; charset=\"utf-8\"");
    }
    return http.request(o).compose(req -> (body == null ? req.send() : req.send(body)).compose(resp -> {
      Promise<String> text = Promise.promise();
      Buffer acc = Buffer.buffer();
      resp.handler(chunk -> {
        if (acc.length() + chunk.length() > MAX_BODY) {
          text.tryFail(new PortMappingException("the UPnP gateway's reply is over " + MAX_BODY + " bytes"));
          resp.request().reset();
          return;
        }
        acc.appendBuffer(chunk);
      });
      resp.exceptionHandler(text::tryFail);
      resp.endHandler(v -> {
        String s = acc.toString(StandardCharsets.UTF_8);
        if (resp.statusCode() / 100 == 2) {
          text.tryComplete(s);
        } else {
          String code = value(s, "errorCode");
          String desc = value(s, "errorDescription");
          text.tryFail(new PortMappingException("the UPnP gateway refused " + (soapAction != null ? soapAction : uri)
              + ": HTTP " + resp.statusCode() + (code != null ? ", UPnP error " + code.trim() : "")
              + (desc != null ? " (" + desc.trim() + ")" : "")));
        }
      });
      return text.future();
    }));
  }

  /** The LOCATION of an SSDP answer ({@code HTTP/1.1 200 OK}), or null. */
  static URI ssdpLocation(byte[] data) {
    if (data.length > MAX_SSDP) {
      return null;
    }
    String[] lines = new String(data, StandardCharsets.US_ASCII).split("\r\n");
    if (lines.length == 0 || !lines[0].startsWith("HTTP/1.1 200")) {
      return null;
    }
    for (String l : lines) {
      int colon = l.indexOf(':');
      if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase("location")) {
        try {
          URI u = URI.create(l.substring(colon + 1).trim());
          return "http".equals(u.getScheme()) ? u : null;
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }

  record Service(String type, URI control) {}

  /** The first WAN connection service of a device description, its control URL resolved against the base. */
  static Service service(String xml, URI location) {
    Document doc = parse(xml);
    if (doc == null) {
      return null;
    }
    URI base = location;
    NodeList bases = doc.getElementsByTagName("URLBase");
    if (bases.getLength() > 0) {
      try {
        base = URI.create(bases.item(0).getTextContent().trim());
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    NodeList services = doc.getElementsByTagName("service");
    for (String wanted : SERVICES) {
      for (int i = 0; i < services.getLength(); i++) {
        Element s = (Element) services.item(i);
        if (wanted.equals(text(s, "serviceType"))) {
          String control = text(s, "controlURL");
          if (control == null) {
            continue;
          }
          URI resolved = base.resolve(control);
          // the control endpoint must be the gateway that answered, never another host
          return location.getHost().equals(resolved.getHost()) ? new Service(wanted, resolved) : null;
        }
      }
    }
    return null;
  }

  /** The text of the first element named {@code name} (any namespace prefix) in a SOAP body, or null. */
  static String value(String xml, String name) {
    Document doc = parse(xml);
    if (doc == null) {
      return null;
    }
    NodeList all = doc.getElementsByTagName("*");
    for (int i = 0; i < all.getLength(); i++) {
      String n = all.item(i).getNodeName();
      if (n.equals(name) || n.endsWith(":" + name)) {
        return all.item(i).getTextContent();
      }
    }
    return null;
  }

  private static String text(Element parent, String child) {
    NodeList l = parent.getElementsByTagName(child);
    return l.getLength() == 0 ? null : l.item(0).getTextContent().trim();
  }

  private static Document parse(String xml) {
    if (xml == null || xml.length() > MAX_BODY) {
      return null;
    }
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      return null;
    }
  }
}
