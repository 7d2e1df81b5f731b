package io.p2pquic.puncher.portmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The UPnP-IGD client's parsing: SSDP answers, device descriptions, SOAP replies, and what it refuses. */
class UpnpIgdTest {
  private static final URI LOCATION = URI.create("http://10.1.0.1:5000/rootDesc.xml");

  private static byte[] ssdp(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void readsTheLocationOfAnSsdpAnswer() {
    assertThat(UpnpIgd.ssdpLocation(ssdp("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: "
        + "urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLocation: http://10.1.0.1:5000/rootDesc.xml\r\n\r\n")))
        .isEqualTo(LOCATION);
    assertThat(UpnpIgd.ssdpLocation(ssdp("NOTIFY * HTTP/1.1\r\nLOCATION: http://10.1.0.1:5000/x\r\n\r\n"))).isNull();
    assertThat(UpnpIgd.ssdpLocation(ssdp("HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n"))).isNull();
    assertThat(UpnpIgd.ssdpLocation(new byte[UpnpIgd.MAX_SSDP + 1])).isNull();
  }

  private static final String DESCRIPTION = """
      <?xml version="1.0"?>
      <root xmlns="urn:schemas-upnp-org:device-1-0"><device><deviceList><device><deviceList><device>
      <serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
      <controlURL>/ctl/IPConn</controlURL></service></serviceList></device></deviceList></device></deviceList>
      </device></root>""";

  @Test
  void findsTheWanConnectionServiceOnTheGatewayItself() {
    UpnpIgd.Service s = UpnpIgd.service(DESCRIPTION, LOCATION);
    assertThat(s.type()).isEqualTo("urn:schemas-upnp-org:service:WANIPConnection:1");
    assertThat(s.control()).isEqualTo(URI.create("http://10.1.0.1:5000/ctl/IPConn"));
    assertThat(UpnpIgd.service(DESCRIPTION.replace("/ctl/IPConn", "http://198.51.100.9/ctl"), LOCATION))
        .as("a control URL on another host").isNull();
    assertThat(UpnpIgd.service(DESCRIPTION.replace("WANIPConnection", "Layer3Forwarding"), LOCATION)).isNull();
    String entity = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><root>&x;</root>";
    assertThat(UpnpIgd.service(entity, LOCATION)).as("DOCTYPEs are refused").isNull();
    assertThat(UpnpIgd.service("<root><unclosed>", LOCATION)).isNull();
  }

  @Test
  void readsSoapValuesAndErrors() {
    String ok = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
        + "<u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
        + "<NewExternalIPAddress>11.0.0.103</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>";
    assertThat(UpnpIgd.value(ok, "NewExternalIPAddress")).isEqualTo("11.0.0.103");
    String fault = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault><detail>"
        + "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>718</errorCode>"
        + "<errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>";
    assertThat(UpnpIgd.value(fault, "errorCode")).isEqualTo("718");
    assertThat(UpnpIgd.value(fault, "NewExternalIPAddress")).isNull();
  }
}
