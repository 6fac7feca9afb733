"""Alerts as given (lurewatch JSON), with one row per indicator for lookups."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lurewatch.ingest.errors import InputError
from lurewatch.model import Alert
from lurewatch.store.core import StoreCore
from lurewatch.store.errors import InvalidValue, NotFound
from lurewatch.store.normalise import indicator_key
from lurewatch.store.records import TLPS, AlertSummary, IndicatorHit
from lurewatch.store.schema import AlertRow, IndicatorRow


def _alert_body(alert: Alert) -> str:
    from lurewatch.exchange.alertfile import alert_to_json

    return alert_to_json(alert).decode("utf-8")


def _alert_from_body(body: str, alert_id: str) -> Alert:
    from lurewatch.exchange import read_alert_bytes

    return read_alert_bytes(body.encode("utf-8"), f"stored alert {alert_id}.json")


def _summary(row: AlertRow, indicators: int) -> AlertSummary:
    return AlertSummary(
        alert_id=row.alert_id,
        title=row.title,
        tlp=row.tlp,
        source=row.source,
        issued=row.issued,
        personas=row.personas,
        indicators=indicators,
        imported_at=row.imported_at,
        imported_by=row.imported_by,
    )


# A counter bumped by every change to the stored alerts.
ALERTS_VERSION = "alerts:version"


class AlertsMixin(StoreCore):
    def import_alert(self, alert: Alert, *, actor: str) -> AlertSummary:
        """Keep an alert (from any format lurewatch reads) and index its indicators.

        An alert with the id of one already stored replaces it (a revised alert).
        """
        if not alert.id.strip() or len(alert.id) > 200:
            raise InvalidValue("alert id: give 1-200 characters")
        labels = {alert.tlp, *(i.tlp for i in alert.indicators)}
        for label in labels:
            if label not in TLPS:
                raise InvalidValue(f"TLP {label!r}: expected one of {', '.join(TLPS)}")
        body = _alert_body(alert)
        # Kept as lurewatch's readers would read it back, so what get_alert
        # returns is what was imported (an alert from any reader is unchanged).
        try:
            alert = _alert_from_body(body, alert.id)
        except InputError as exc:
            raise InvalidValue(f"alert {alert.id!r} is not valid: {exc}") from None
        now = self._clock()
        with self._write() as s:
            self._next(s, ALERTS_VERSION)  # what hunts of arriving reports cache by
            old = s.scalar(sa.select(AlertRow).where(AlertRow.alert_id == alert.id))
            replaced = old is not None
            if old is not None:
                s.execute(sa.delete(IndicatorRow).where(IndicatorRow.alert_pk == old.id))
                s.delete(old)
                s.flush()
            row = AlertRow(
                alert_id=alert.id,
                title=alert.title,
                tlp=alert.tlp,
                source=alert.source,
                issued=alert.issued,
                body=body,
                personas=len(alert.personas),
                imported_at=now,
                imported_by=actor,
            )
            s.add(row)
            s.flush()
            s.add_all(
                IndicatorRow(
                    alert_pk=row.id,
                    position=i,
                    type=ind.type,
                    value=ind.value,
                    value_norm=indicator_key(ind.type, ind.value),
                    persona=ind.persona,
                    tlp=ind.tlp,
                )
                for i, ind in enumerate(alert.indicators)
            )
            s.flush()
            self._audit(
                s,
                at=now,
                actor=actor,
                action="alert.import",
                target=f"alert:{alert.id}",
                details={
                    "title": alert.title,
                    "tlp": alert.tlp,
                    "personas": len(alert.personas),
                    "indicators": len(alert.indicators),
                    "replaced": replaced,
                },
            )
            return _summary(row, len(alert.indicators))

    def _alert_row(self, s: Session, alert_id: str) -> AlertRow:
        row = s.scalar(sa.select(AlertRow).where(AlertRow.alert_id == alert_id))
        if row is None:
            raise NotFound(f"no alert {alert_id!r}")
        return row

    def get_alert(self, alert_id: str) -> Alert:
        """The alert as imported (personas, indicators, TLP labels)."""
        with self._read() as s:
            row = self._alert_row(s, alert_id)
            return _alert_from_body(row.body, row.alert_id)

    def list_alerts(self) -> list[AlertSummary]:
        """Every stored alert, latest import first."""
        count = (
            sa.select(sa.func.count())
            .where(IndicatorRow.alert_pk == AlertRow.id)
            .correlate(AlertRow)
            .scalar_subquery()
        )
        with self._read() as s:
            rows = s.execute(
                sa.select(AlertRow, count).order_by(AlertRow.imported_at.desc(), AlertRow.id.desc())
            ).all()
            return [_summary(row, int(n)) for row, n in rows]

    def all_alerts(self) -> list[Alert]:
        """Every stored alert in full, e.g. to retro-hunt over stored reports."""
        with self._read() as s:
            rows = s.execute(
                sa.select(AlertRow.alert_id, AlertRow.body).order_by(AlertRow.id)
            ).all()
        return [_alert_from_body(body, alert_id) for alert_id, body in rows]

    def find_indicators(self, type: str, value: str) -> list[IndicatorHit]:
        """Stored indicators of ``type`` whose value equals ``value`` once both are normalised.

        Profile addresses, e-mails, phones and handles compare in canonical
        form (``+852 5555 0101`` finds ``00852-5555-0101``); other values
        compare case- and accent-folded.
        """
        key = indicator_key(type, value)
        with self._read() as s:
            rows = s.execute(
                sa.select(IndicatorRow, AlertRow.alert_id, AlertRow.title)
                .join(AlertRow, AlertRow.id == IndicatorRow.alert_pk)
                .where(IndicatorRow.type == type, IndicatorRow.value_norm == key)
                .order_by(AlertRow.id, IndicatorRow.position)
            ).all()
            return [
                IndicatorHit(
                    alert_id=alert_id,
                    alert_title=title,
                    type=ind.type,
                    value=ind.value,
                    persona=ind.persona,
                    tlp=ind.tlp,
                )
                for ind, alert_id, title in rows
            ]
